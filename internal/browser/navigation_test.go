package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/netguard"
)

// TestMainFrameLandsRefused: a page that takes its main frame, after its
// first response, somewhere the policy refuses (by script, at once or
// after load, by meta refresh, or through a redirect only the proxy sees)
// fails the job as blocked, naming the refused host and why but no address
// a name resolved to. The test policy allows 127.0.0.1 and nothing else
// that is not public: neither link-local nor the metadata address.
func TestMainFrameLandsRefused(t *testing.T) {
	t.Parallel()
	c := newCanary(t)
	canaryPort := c.ln.Addr().(*net.TCPAddr).Port
	dns := dnstest.Start(t, map[string][]netip.Addr{"internal.test": {netip.MustParseAddr("127.0.0.2")}})
	mux := http.NewServeMux()
	page := func(path, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		})
	}
	page("/to-metadata", `<!doctype html><title>Start</title><ol><li class="r">start</li></ol>
		<script>location = "http://169.254.169.254/latest/meta-data/"</script>`)
	page("/to-link-local-later", `<!doctype html><title>Start</title><script>
		addEventListener("load", () => setTimeout(() => { location.href = "http://169.254.1.1/"; }, 200));</script>`)
	page("/meta-refresh", fmt.Sprintf(`<!doctype html><title>Start</title>
		<meta http-equiv="refresh" content="0; url=http://internal.test:%d/secret">`, canaryPort))
	page("/to-redirect", `<!doctype html><title>Start</title><script>location.replace("/redirect-out")</script>`)
	mux.HandleFunc("/redirect-out", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, c.url()+"/", http.StatusFound)
	})
	page("/to-allowed", `<!doctype html><title>Start</title><script>location = "/landing"</script>`)
	page("/landing", `<!doctype html><title>Landing</title><ol><li class="r">target</li></ol>`)
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)
	f, _ := newTestFetcher(t, Config{Resolver: dns.Resolver(), SelectorWait: 2 * time.Second})
	tests := []struct {
		name     string
		path     string
		wantMsg  []string // "": success
		notMsg   string
		selector string
	}{
		{name: "script to the metadata address", path: "/to-metadata",
			wantMsg: []string{"169.254.169.254 is refused", "metadata"}},
		// The selector never matches: the job waits SelectorWait after
		// load, and the navigation happens in that wait.
		{name: "script to a link-local address after load", path: "/to-link-local-later", selector: "li.never",
			wantMsg: []string{"169.254.1.1 is refused", "link-local"}},
		{name: "meta refresh to a name of a loopback address", path: "/meta-refresh",
			wantMsg: []string{"internal.test is refused", "loopback"}, notMsg: "127.0.0.2"},
		{name: "script to a redirect the proxy refuses", path: "/to-redirect",
			wantMsg: []string{c.ln.Addr().String(), "127.0.0.2 is refused", "loopback"}},
		{name: "script to an allowed page", path: "/to-allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			page, err := get(ctx, f, site.URL+tt.path, tt.selector)
			if tt.wantMsg == nil {
				if err != nil {
					t.Fatal(err)
				}
				if r := rankPage(t, page, "target"); r.title != "Landing" || r.rank != 1 || page.FinalURL.Path != "/landing" {
					t.Errorf("got %+v at %s, want the landing page, rank 1", r, page.FinalURL)
				}
				return
			}
			t.Logf("error: %v", err)
			if crawler.TypeOf(err) != crawler.ErrBlocked || !errors.Is(err, netguard.ErrBlocked) {
				t.Fatalf("error %v (type %s), want blocked", err, crawler.TypeOf(err))
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if tt.notMsg != "" && strings.Contains(err.Error(), tt.notMsg) {
				t.Errorf("error %q names %s, an address of ours", err, tt.notMsg)
			}
		})
	}
	t.Cleanup(func() {
		if n := c.conns.Load(); n != 0 {
			t.Errorf("the canary saw %d connections, want 0", n)
		}
	})
}
