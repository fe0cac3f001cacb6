package netguard

import "net/netip"

type addrRange struct {
	prefix netip.Prefix
	reason string
	// always: refused even with AllowPrivate.
	always bool
}

// ranges is checked in order, so the metadata endpoints come before the
// link-local and unique-local blocks that contain them and are reported by
// name.
var ranges = []addrRange{
	{pfx("169.254.169.254/32"), "the cloud metadata endpoint (169.254.169.254)", true},
	{pfx("169.254.170.2/32"), "the ECS task metadata endpoint (169.254.170.2)", true},
	{pfx("169.254.170.23/32"), "the EKS pod identity endpoint (169.254.170.23)", true},
	{pfx("fd00:ec2::254/128"), "the cloud metadata endpoint (fd00:ec2::254)", true},
	{pfx("fd00:ec2::23/128"), "the EKS pod identity endpoint (fd00:ec2::23)", true},
	{pfx("100.100.100.200/32"), "a cloud metadata endpoint (100.100.100.200)", true},
	{pfx("192.0.0.192/32"), "a cloud metadata endpoint (192.0.0.192)", true},

	{pfx("0.0.0.0/8"), "an unspecified (this-network) address", true},
	{pfx("255.255.255.255/32"), "the broadcast address", true},
	{pfx("224.0.0.0/4"), "a multicast address", true},
	{pfx("240.0.0.0/4"), "a reserved address", true},
	{pfx("::/128"), "the unspecified address", true},
	{pfx("ff00::/8"), "a multicast address", true},
	{pfx("100::/64"), "a discard-only address", true},
	{pfx("64:ff9b:1::/48"), "a local-use NAT64 address", true},

	{pfx("127.0.0.0/8"), "a loopback address", false},
	{pfx("10.0.0.0/8"), "a private address", false},
	{pfx("172.16.0.0/12"), "a private address", false},
	{pfx("192.168.0.0/16"), "a private address", false},
	{pfx("100.64.0.0/10"), "a carrier-grade NAT address", false},
	{pfx("169.254.0.0/16"), "a link-local address", false},
	{pfx("192.0.0.0/24"), "an IETF protocol address", false},
	{pfx("192.0.2.0/24"), "a documentation address", false},
	{pfx("198.51.100.0/24"), "a documentation address", false},
	{pfx("203.0.113.0/24"), "a documentation address", false},
	{pfx("198.18.0.0/15"), "a benchmarking address", false},
	{pfx("::1/128"), "a loopback address", false},
	{pfx("fc00::/7"), "a unique-local address", false},
	{pfx("fe80::/10"), "a link-local address", false},
	{pfx("fec0::/10"), "a site-local address", false},
	{pfx("2001:db8::/32"), "a documentation address", false},
	// IPv4-compatible IPv6 is deprecated; nothing legitimate uses it.
	{pfx("::/96"), "an IPv4-compatible address", false},
}

// embeddedIPv4 returns the IPv4 address an IPv6 translation or tunnel
// address leads to, so NAT64 of 127.0.0.1 is refused like 127.0.0.1.
func embeddedIPv4(addr netip.Addr) (netip.Addr, string, bool) {
	if !addr.Is6() {
		return netip.Addr{}, "", false
	}
	b := addr.As16()
	switch {
	case nat64.Contains(addr):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), "NAT64", true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "6to4", true
	case teredo.Contains(addr):
		// The client address is stored inverted (RFC 4380).
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), "Teredo", true
	}
	return netip.Addr{}, "", false
}

var (
	nat64     = pfx("64:ff9b::/96")
	sixToFour = pfx("2002::/16")
	teredo    = pfx("2001::/32")
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
