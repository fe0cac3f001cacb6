package netguard_test

import (
	"net/url"
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
