package httpfetch_test

import (
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// countingServer serves a page and counts the requests that reached it.
func countingServer(t *testing.T, addr string) (url string, hits *atomic.Int64) {
	t.Helper()
	hits = new(atomic.Int64)
	srv := serveOn(t, addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		htmlHandler(pageHTML("inside"))(w, r)
	}))
	return srv.URL, hits
}

func TestBlockedTargets(t *testing.T) {
	t.Parallel()
	inside, insideHits := countingServer(t, "127.0.0.2:0")
	insidePort := inside[len("http://127.0.0.2:"):]
	resolver := dnstest.Start(t, map[string][]netip.Addr{
		"internal.test": {netip.MustParseAddr("127.0.0.2")},
		"metadata.test": {netip.MustParseAddr("169.254.169.254")},
		"private.test":  {netip.MustParseAddr("10.1.2.3")},
	}).Resolver()
	// The outside server stands for a public site: the policy opens exactly
	// its address, so only its redirects can lead inside.
	outside := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	open := netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

	tests := []struct {
		name   string
		policy netguard.Policy
		url    string
	}{
		{"loopback literal", netguard.Policy{}, inside},
		{"loopback 127.0.0.1", netguard.Policy{}, outside.URL},
		{"mapped loopback literal", netguard.Policy{}, "http://[::ffff:127.0.0.2]:" + insidePort + "/"},
		{"metadata literal", netguard.Policy{}, "http://169.254.169.254/latest/meta-data/"},
		{"metadata literal with AllowPrivate", allowPrivate, "http://169.254.169.254/latest/meta-data/"},
		{"metadata v6 literal", netguard.Policy{}, "http://[fd00:ec2::254]/"},
		{"name resolving to metadata", netguard.Policy{}, "http://metadata.test/"},
		{"name resolving to metadata with AllowPrivate", allowPrivate, "http://metadata.test/"},
		{"localhost", netguard.Policy{}, "http://localhost:" + insidePort + "/"},
		{"name resolving to loopback", netguard.Policy{}, "http://internal.test:" + insidePort + "/"},
		{"name resolving to private", netguard.Policy{}, "http://private.test/"},
		{"redirect to private literal", open, outside.URL + "/?to=" + inside},
		{"redirect to metadata", open, outside.URL + "/?to=http://169.254.169.254/latest/meta-data/"},
		{"redirect to a name resolving inside", open, outside.URL + "/?to=http://internal.test:" + insidePort + "/"},
		{"redirect to IPv6 loopback", open, outside.URL + "/?to=http://[::1]:" + insidePort + "/"},
		{"redirect to another scheme", open, outside.URL + "/?to=file:///etc/passwd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A connect to 169.254.169.254 would hang for ConnectTimeout;
			// answering well inside it shows nothing was sent.
			f := newFetcher(t, httpfetch.Config{Policy: tt.policy, Resolver: resolver, ConnectTimeout: 10 * time.Second})
			start := time.Now()
			_, err := get(t, f, tt.url, nil)
			wantType(t, err, crawler.ErrBlocked, nil)
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("refusal took %s: the dial was attempted", d)
			}
		})
	}
	t.Cleanup(func() {
		if n := insideHits.Load(); n != 0 {
			t.Errorf("the inside server was reached %d times", n)
		}
	})
}

func TestAllowedInside(t *testing.T) {
	t.Parallel()
	inside, hits := countingServer(t, "127.0.0.2:0")
	tests := []struct {
		name   string
		policy netguard.Policy
	}{
		{"AllowPrivate", allowPrivate},
		{"allow list", netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFetcher(t, httpfetch.Config{Policy: tt.policy})
			page, err := get(t, f, inside, nil)
			if err != nil || page.Title != "inside" {
				t.Fatalf("Fetch = %+v, %v", page, err)
			}
		})
	}
	t.Cleanup(func() {
		if hits.Load() != 2 {
			t.Errorf("inside server hits = %d, want 2", hits.Load())
		}
	})
}
