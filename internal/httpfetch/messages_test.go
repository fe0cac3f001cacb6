package httpfetch_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/porttest"
)

// TestErrorsNameHostsNotAddresses: a job's error, which API clients read,
// names the refused host and the kind of address, but neither the address
// the name resolved to nor the resolver; the log's detail keeps both.
func TestErrorsNameHostsNotAddresses(t *testing.T) {
	t.Parallel()
	dns := dnstest.Start(t, map[string][]netip.Addr{
		"internal.test": {netip.MustParseAddr("10.0.0.1")},
		"meta.test":     {netip.MustParseAddr("169.254.169.254")},
		"loop.test":     {netip.MustParseAddr("127.0.0.9")},
	})
	resolver := dns.Resolver()
	outside := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://internal.test/next?token=secret", http.StatusFound)
	}))
	open := netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	tests := []struct {
		name, url     string
		policy        netguard.Policy
		want          crawler.ErrorType
		mustSay       []string
		mustNotSay    []string
		detailMustSay string
	}{
		{"private", "http://internal.test/", netguard.Policy{}, crawler.ErrBlocked,
			[]string{"internal.test", "private address"}, []string{"10.0.0.1"}, "10.0.0.1"},
		{"metadata", "http://meta.test/", allowPrivate, crawler.ErrBlocked,
			[]string{"meta.test", "metadata"}, nil, "169.254.169.254"},
		{"loopback", "http://loop.test/", netguard.Policy{}, crawler.ErrBlocked,
			[]string{"loop.test", "loopback address"}, []string{"127.0.0.9"}, "127.0.0.9"},
		{"redirect to private names the redirect's host", outside.URL + "/", open, crawler.ErrBlocked,
			[]string{"internal.test", "private address"}, []string{"10.0.0.1", "secret"}, "10.0.0.1"},
		{"dns failure", "http://nonexistent.invalid/", netguard.Policy{}, crawler.ErrDNS,
			[]string{"lookup nonexistent.invalid"}, []string{" on "}, " on "}, // Go names the resolver: "lookup x on 127.0.0.53:53"
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFetcher(t, httpfetch.Config{Policy: tt.policy, Resolver: resolver})
			_, err := get(t, f, tt.url, nil)
			wantType(t, err, tt.want, nil)
			msg := err.Error()
			for _, s := range tt.mustSay {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not say %q", msg, s)
				}
			}
			for _, s := range tt.mustNotSay {
				if strings.Contains(msg, s) {
					t.Errorf("error %q says %q", msg, s)
				}
			}
			if d := crawler.Details(err); tt.detailMustSay != "" && !strings.Contains(d, tt.detailMustSay) {
				t.Errorf("detail %q for the log does not say %q", d, tt.detailMustSay)
			}
		})
	}
}

// TestProxyFailures: a proxy that cannot be reached or refuses us is a
// proxy error, retried, not the site's fault and not internal.
func TestProxyFailures(t *testing.T) {
	t.Parallel()
	auth := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="proxy"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	// CONNECT (https targets) refused with 407.
	connect := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	resolver := dnstest.Start(t, map[string][]netip.Addr{"public.test": {netip.MustParseAddr("93.184.215.14")}}).Resolver()
	tests := []struct{ name, proxy, url string }{
		{"407 to a plain request", "http://user:secret@" + auth.Listener.Addr().String(), "http://public.test/"},
		{"407 to CONNECT", "http://user:secret@" + connect.Listener.Addr().String(), "https://public.test/"},
		{"proxy refuses connections", "http://user:secret@" + porttest.Refused(t), "http://public.test/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newProxied(t, httpfetch.Config{Resolver: resolver}, []string{tt.proxy})
			_, err := get(t, f, tt.url, nil)
			wantType(t, err, crawler.ErrProxy, nil)
			if !crawler.TypeOf(err).Retryable() {
				t.Errorf("proxy errors are not retried: %v", err)
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(crawler.Details(err), "secret") {
				t.Errorf("error quotes the proxy's password: %v / %s", err, crawler.Details(err))
			}
		})
	}
}
