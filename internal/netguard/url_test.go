package netguard_test

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	const (
		ok      = "ok"
		bad     = "invalid"
		refused = "blocked"
	)
	tests := []struct {
		raw  string
		want string
	}{
		{"https://example.com/", ok},
		{"http://www.example.com:8080/a?b=c#d", ok},
		{"HTTPS://EXAMPLE.COM/", ok},
		{"https://bücher.de/", ok},
		{"https://example.com./", ok},
		{"https://my_host.example.com/", ok},
		{"http://93.184.215.14/", ok},
		{"http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/", ok},
		{"ftp://example.com/", bad},
		{"file:///etc/passwd", bad},
		{"javascript:alert(1)", bad},
		{"example.com", bad},
		{"//example.com/", bad},
		{"https://", bad},
		{"https:///path", bad},
		{"https://user:pass@example.com/", bad},
		{"https://user@example.com/", bad},
		{"https://example.com:0/", bad},
		{"https://example.com:99999/", bad},
		{"https://example.com:http/", bad},
		{" https://example.com/", bad},
		{"https://exa mple.com/", bad},
		{"https://127.1/", bad},
		{"https://0x7f.0.0.1/", bad},
		{"https://2130706433/", bad},
		{"https://0177.0.0.1/", bad},
		{"https://[fe80::1%25eth0]/", bad},
		{"https://" + strings.Repeat("a", 64) + ".com/", bad},
		{"https://example.com/" + strings.Repeat("a", netguard.MaxURLLength), bad},
		{"http://127.0.0.1/", refused},
		{"http://169.254.169.254/latest/meta-data/", refused},
		{"http://[fd00:ec2::254]/", refused},
		{"http://[::ffff:127.0.0.1]/", refused},
		{"http://10.0.0.1:8080/", refused},
		{"http://0.0.0.0/", refused},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			u, err := netguard.Policy{}.ValidateURL(tt.raw)
			switch tt.want {
			case ok:
				if err != nil {
					t.Fatalf("ValidateURL = %v, want ok", err)
				}
				if u.Scheme != "http" && u.Scheme != "https" {
					t.Fatalf("scheme %q", u.Scheme)
				}
			case bad:
				if !errors.Is(err, netguard.ErrInvalidURL) {
					t.Fatalf("ValidateURL = %v, want ErrInvalidURL", err)
				}
			case refused:
				if crawler.TypeOf(err) != crawler.ErrBlocked {
					t.Fatalf("ValidateURL = %v, want blocked", err)
				}
				// Without a policy only the syntax is judged.
				if _, err := netguard.ValidateURL(tt.raw); err != nil {
					t.Fatalf("package ValidateURL = %v, want ok", err)
				}
			}
		})
	}
}

func TestValidateURLAllowPrivate(t *testing.T) {
	t.Parallel()
	p := netguard.Policy{AllowPrivate: true}
	if _, err := p.ValidateURL("http://127.0.0.1:8080/"); err != nil {
		t.Fatalf("AllowPrivate refused loopback: %v", err)
	}
	if _, err := p.ValidateURL("http://169.254.169.254/"); crawler.TypeOf(err) != crawler.ErrBlocked {
		t.Fatalf("AllowPrivate let the metadata endpoint through: %v", err)
	}
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/", "http://127.0.0.1/", "http://[::1]:80/", "http://169.254.169.254/",
		"http://[::ffff:7f00:1]/", "https://bücher.de/x?y#z", "http://0x7f.1/", "http://a@b/",
		"http://[fe80::1%25eth0]/", "http://example.com:65536/", "http://%31%32%37.0.0.1/",
	} {
		f.Add(s)
	}
	p := netguard.Policy{}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := p.ValidateURL(raw)
		if err != nil {
			if !errors.Is(err, netguard.ErrInvalidURL) && crawler.TypeOf(err) != crawler.ErrBlocked {
				t.Fatalf("error %v is neither invalid nor blocked", err)
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("accepted scheme %q", u.Scheme)
		}
		if u.User != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q with userinfo or without host", raw)
		}
		if _, err := url.Parse(u.String()); err != nil {
			t.Fatalf("accepted %q but its String %q does not parse: %v", raw, u.String(), err)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			if err := p.CheckAddr(ip); err != nil {
				t.Fatalf("accepted %q whose literal IP is refused: %v", raw, err)
			}
		}
	})
}
