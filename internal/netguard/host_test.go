package netguard_test

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/netguard"
)

func TestHostKey(t *testing.T) {
	t.Parallel()
	cases := []struct{ raw, want string }{
		{"http://localhost/", "localhost"},
		{"http://ｌｏｃａｌｈｏｓｔ/", "localhost"}, // full-width letters
		{"http://LocalHost./", "localhost"},
		{"http://localhost:80/", "localhost"},
		{"https://localhost:443/a", "localhost"},
		{"http://localhost:443/", "localhost:443"},
		{"https://localhost:8443/", "localhost:8443"},
		{"http://Bücher.example/", "xn--bcher-kva.example"},
		{"http://xn--bcher-kva.example/", "xn--bcher-kva.example"},
		{"http://BÜCHER.example/", "xn--bcher-kva.example"},
		{"http://127.0.0.1:80/", "127.0.0.1"},
		{"http://[::1]/", "[::1]"},
		{"http://[::1]:8080/", "[::1]:8080"},
	}
	for _, c := range cases {
		u, err := url.Parse(c.raw)
		if err != nil {
			t.Fatalf("%s: %v", c.raw, err)
		}
		if got := netguard.HostKey(u); got != c.want {
			t.Errorf("HostKey(%s) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestDescribeNamesNoAddress(t *testing.T) {
	t.Parallel()
	err := netguard.Policy{}.CheckAddr(netip.MustParseAddr("10.0.0.1"))
	got := netguard.Describe("internal.example", err)
	if got != "internal.example is refused: it is a private address" {
		t.Errorf("Describe = %q", got)
	}
	mapped := netguard.Policy{}.CheckAddr(netip.MustParseAddr("64:ff9b::a00:1")) // NAT64 of 10.0.0.1
	if got := netguard.Describe("n.example", mapped); strings.Contains(got, "10.0.0.1") || strings.Contains(got, "a00:1") {
		t.Errorf("Describe of a NAT64 address names it: %q", got)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"http://ｌｏｃａｌｈｏｓｔ:8080/a?b": "http://localhost:8080/a?b",
		"http://Bücher.Example./":   "http://xn--bcher-kva.example/",
		"http://[::1]:80/":          "http://[::1]:80/",
		"http://127.0.0.1/":         "http://127.0.0.1/",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		netguard.Normalize(u)
		if u.String() != want {
			t.Errorf("Normalize(%s) = %s, want %s", raw, u, want)
		}
	}
}
