package netguard_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
)

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	strict := netguard.Policy{}
	private := netguard.Policy{AllowPrivate: true}
	allowOne := netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32"), netip.MustParsePrefix("169.254.169.254/32")}}
	tests := []struct {
		name    string
		policy  netguard.Policy
		addr    string
		allowed bool
		mention string // part of the error message, when refused
	}{
		{"public v4", strict, "93.184.215.14", true, ""},
		{"public v6", strict, "2606:2800:21f:cb07:6820:80da:af6b:8b2c", true, ""},
		{"loopback", strict, "127.0.0.1", false, "loopback"},
		{"loopback other", strict, "127.8.9.10", false, "loopback"},
		{"loopback v6", strict, "::1", false, "loopback"},
		{"metadata", strict, "169.254.169.254", false, "169.254.169.254"},
		{"metadata v6", strict, "fd00:ec2::254", false, "fd00:ec2::254"},
		{"metadata mapped", strict, "::ffff:169.254.169.254", false, "metadata"},
		{"ecs metadata", strict, "169.254.170.2", false, "ECS"},
		{"link-local", strict, "169.254.1.1", false, "link-local"},
		{"link-local v6", strict, "fe80::1", false, "link-local"},
		{"link-local v6 zone", strict, "fe80::1%eth0", false, "link-local"},
		{"rfc1918 10", strict, "10.1.2.3", false, "private"},
		{"rfc1918 172", strict, "172.31.255.255", false, "private"},
		{"rfc1918 172 edge", strict, "172.32.0.1", true, ""},
		{"rfc1918 192", strict, "192.168.0.1", false, "private"},
		{"cgnat", strict, "100.64.0.1", false, "carrier-grade"},
		{"ula", strict, "fc00::1", false, "unique-local"},
		{"ula fd", strict, "fd12:3456::1", false, "unique-local"},
		{"unspecified", strict, "0.0.0.0", false, "unspecified"},
		{"this network", strict, "0.1.2.3", false, "unspecified"},
		{"unspecified v6", strict, "::", false, "unspecified"},
		{"broadcast", strict, "255.255.255.255", false, "broadcast"},
		{"multicast", strict, "224.0.0.1", false, "multicast"},
		{"multicast v6", strict, "ff02::1", false, "multicast"},
		{"mapped loopback", strict, "::ffff:127.0.0.1", false, "loopback"},
		{"mapped private", strict, "::ffff:10.0.0.1", false, "private"},
		{"mapped public", strict, "::ffff:93.184.215.14", true, ""},
		{"nat64 loopback", strict, "64:ff9b::7f00:1", false, "NAT64"},
		{"nat64 metadata", strict, "64:ff9b::a9fe:a9fe", false, "NAT64"},
		{"nat64 public", strict, "64:ff9b::5db8:d70e", true, ""},
		{"6to4 private", strict, "2002:c0a8:0101::1", false, "6to4"},
		{"teredo loopback client", strict, "2001:0:4136:e378:8000:63bf:80ff:fffe", false, "Teredo"},
		{"ipv4-compatible", strict, "::7f00:1", false, "IPv4-compatible"},
		{"invalid", strict, "", false, "not a valid"},

		{"private allowed", private, "10.1.2.3", true, ""},
		{"loopback allowed", private, "127.0.0.1", true, ""},
		{"loopback v6 allowed", private, "::1", true, ""},
		{"link-local allowed", private, "169.254.1.1", true, ""},
		{"metadata still refused", private, "169.254.169.254", false, "metadata"},
		{"metadata v6 still refused", private, "fd00:ec2::254", false, "metadata"},
		{"multicast still refused", private, "224.0.0.1", false, "multicast"},
		{"unspecified still refused", private, "0.0.0.0", false, "unspecified"},

		{"allow list opens one", allowOne, "127.0.0.2", true, ""},
		{"allow list mapped", allowOne, "::ffff:127.0.0.2", true, ""},
		{"allow list not neighbour", allowOne, "127.0.0.1", false, "loopback"},
		{"allow list opens metadata on purpose", allowOne, "169.254.169.254", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var addr netip.Addr
			if tt.addr != "" {
				addr = netip.MustParseAddr(tt.addr)
			}
			err := tt.policy.CheckAddr(addr)
			if tt.allowed {
				if err != nil {
					t.Fatalf("CheckAddr(%s) = %v, want allowed", tt.addr, err)
				}
				return
			}
			assertBlocked(t, err, tt.mention)
		})
	}
}

func TestControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		address string
		allowed bool
	}{
		{"93.184.215.14:443", true},
		{"[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:80", true},
		{"127.0.0.1:80", false},
		{"169.254.169.254:80", false},
		{"[fd00:ec2::254]:80", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"[fe80::1%eth0]:80", false},
		{"not-an-address", false},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			t.Parallel()
			err := netguard.Policy{}.Control("tcp", tt.address, nil)
			if tt.allowed {
				if err != nil {
					t.Fatalf("Control(%s) = %v, want allowed", tt.address, err)
				}
				return
			}
			assertBlocked(t, err, "")
		})
	}
}

func assertBlocked(t *testing.T, err error, mention string) {
	t.Helper()
	if err == nil {
		t.Fatal("allowed, want blocked")
	}
	if got := crawler.TypeOf(err); got != crawler.ErrBlocked {
		t.Fatalf("type = %s, want blocked (%v)", got, err)
	}
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Fatalf("%v does not wrap ErrBlocked", err)
	}
	if !strings.Contains(err.Error(), mention) {
		t.Fatalf("error %q does not mention %q", err, mention)
	}
}
