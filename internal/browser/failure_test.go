package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/porttest"
)

// TestFailures: every way a page can go wrong ends the job with a clear
// result or a classified error within the timeout, and the browser serves
// the next job.
func TestFailures(t *testing.T) {
	t.Parallel()
	c := newCanary(t)
	site := newSite(t, c.url())
	const timeout = 5 * time.Second
	dns := dnstest.Start(t, map[string][]netip.Addr{
		"site.test":     {netip.MustParseAddr("127.0.0.1")},
		"internal.test": {netip.MustParseAddr("127.0.0.2")},
		// The first answer passes the route's check, the second is what
		// the proxy would dial.
		"rebind.test": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")},
	})
	// The default WaitSelector matters: the pages below write their list
	// after failed requests settle, which may be after load.
	f, reader := newTestFetcher(t, Config{Timeout: timeout, Resolver: dns.Resolver()})
	canaryPort := c.ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name     string
		url      string
		rank     *crawler.RankSpec
		wantType crawler.ErrorType // "": success
		wantIs   error
		wantMsg  string
		check    func(t *testing.T, p Page)
	}{
		{name: "never finishes loading", url: site.URL + "/hang", wantType: crawler.ErrTimeout},
		{name: "script never yields after load", url: site.URL + "/busy", wantType: crawler.ErrTimeout},
		{name: "download", url: site.URL + "/download", wantType: crawler.ErrParse, wantIs: ErrDownload},
		{name: "pdf", url: site.URL + "/pdf", rank: spec("x"), check: func(t *testing.T, p Page) {
			if p.HTML || p.ContentType != "application/pdf" || p.Status != 200 || p.Bytes != 16 || p.Title != "" || p.Rank != nil {
				t.Errorf("got %+v, want a 200 application/pdf of 16 bytes, not HTML, no title, no rank", p)
			}
		}},
		{name: "404", url: site.URL + "/status/404", wantType: crawler.ErrHTTP4xx, check: wantStatus(404)},
		{name: "503", url: site.URL + "/status/503", wantType: crawler.ErrHTTP5xx, check: wantStatus(503)},
		{name: "429", url: site.URL + "/status/429", wantType: crawler.ErrHTTP5xx, check: wantStatus(429)},
		{name: "404 with no body", url: site.URL + "/empty-status/404?token=secret", wantType: crawler.ErrHTTP4xx, wantMsg: "status 404", check: wantStatus(404)},
		{name: "500 with no body", url: site.URL + "/empty-status/500", wantType: crawler.ErrHTTP5xx, wantMsg: "status 500", check: wantStatus(500)},
		{name: "subresources aimed at refused addresses", url: site.URL + "/leak", rank: spec("target"), check: func(t *testing.T, p Page) {
			if rankOf(p.Rank) != 1 {
				t.Errorf("rank %d, want 1: the page renders on without what was refused", rankOf(p.Rank))
			}
		}},
		{name: "websocket to a refused address", url: site.URL + "/socket", rank: spec("closed"), check: func(t *testing.T, p Page) {
			if rankOf(p.Rank) != 1 {
				t.Errorf("rank %d, want 1: the socket fails and the page says so", rankOf(p.Rank))
			}
		}},
		{name: "redirect to a refused address", url: site.URL + "/redirect-out", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked, wantMsg: "127.0.0.2"},
		{name: "redirect to a refused https address", url: site.URL + "/redirect-out-tls", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked, wantMsg: "127.0.0.2"},
		{name: "host name", url: strings.Replace(site.URL, "127.0.0.1", "site.test", 1) + "/js", rank: spec("target"),
			check: func(t *testing.T, p Page) {
				if rankOf(p.Rank) != 4 {
					t.Errorf("rank %d, want 4", rankOf(p.Rank))
				}
			}},
		{name: "host resolving to a refused address", url: fmt.Sprintf("http://internal.test:%d/", canaryPort),
			wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked, wantMsg: "127.0.0.2"},
		{name: "host rebinding to a refused address", url: fmt.Sprintf("http://rebind.test:%d/", canaryPort),
			wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked, wantMsg: "proxy: dial tcp 127.0.0.2"},
		{name: "refused address literal", url: c.url() + "/", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked},
		{name: "metadata address literal", url: "http://169.254.169.254/latest/", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked},
		{name: "unresolvable host", url: "http://no-such-host.invalid/", wantType: crawler.ErrDNS},
		{name: "connection refused", url: "http://" + porttest.Refused(t) + "/", wantType: crawler.ErrConnect},
		{name: "invalid selector", url: site.URL + "/js", rank: &crawler.RankSpec{Selector: "li[", Match: "x"}, wantType: crawler.ErrParse},
		{name: "not http", url: "file:///etc/passwd", wantType: crawler.ErrParse, wantIs: netguard.ErrInvalidURL},
	}
	t.Run("group", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				got, err := f.FetchPage(context.Background(), job(tt.url, tt.rank))
				// DurationMS leaves out the wait for a page slot and the
				// launch, which the parallel cases share.
				if took := time.Duration(got.DurationMS) * time.Millisecond; took > timeout+2*time.Second {
					t.Errorf("took %s, want the %s timeout to end it", took, timeout)
				}
				if tt.wantType == "" && err != nil {
					t.Fatalf("error %v, want success", err)
				}
				if tt.wantType != "" {
					if typ := crawler.TypeOf(err); typ != tt.wantType {
						t.Fatalf("error %v (type %s), want type %s", err, typ, tt.wantType)
					}
					if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
						t.Errorf("error %v does not wrap %v", err, tt.wantIs)
					}
					if !strings.Contains(err.Error(), tt.wantMsg) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "token=") {
						t.Errorf("error %q: want one line mentioning %q, with no query string", err, tt.wantMsg)
					}
				}
				if got.Method != crawler.MethodBrowser {
					t.Errorf("method %q, want browser", got.Method)
				}
				if tt.check != nil {
					tt.check(t, got)
				}
			})
		}
	})
	t.Run("next job after the failures", func(t *testing.T) {
		got, err := f.Fetch(context.Background(), job(site.URL+"/js", spec("target")))
		if err != nil || rankOf(got.Rank) != 4 {
			t.Fatalf("got %+v, %v; want rank 4", got, err)
		}
		if n := c.conns.Load(); n != 0 {
			t.Errorf("the canary on 127.0.0.2 saw %d connections, want 0", n)
		}
		// The leak page: an iframe, a script and a fetch refused by routes
		// (its image is refused as an image); the socket and the redirect
		// by the proxy; the localhost page by its route.
		if n := sum(t, reader, MetricRequestsBlocked, ""); n < 6 {
			t.Errorf("%s = %d, want at least 6", MetricRequestsBlocked, n)
		}
		if n := sum(t, reader, MetricLaunches, ""); n != 1 {
			t.Errorf("%s = %d, want 1: no failure above needs a relaunch", MetricLaunches, n)
		}
		if n := sum(t, reader, MetricPagesOpen, ""); n != 0 {
			t.Errorf("%s = %d, want 0", MetricPagesOpen, n)
		}
	})
}

func wantStatus(code int) func(t *testing.T, p Page) {
	return func(t *testing.T, p Page) {
		if p.Status != code {
			t.Errorf("status %d, want %d", p.Status, code)
		}
	}
}

// TestCallerCancels: a job whose caller gives up ends at once as a
// timeout, though the page would hang until the job's own Timeout.
func TestCallerCancels(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	f, _ := newTestFetcher(t, Config{Timeout: time.Minute})
	if _, err := f.Fetch(context.Background(), job(site.URL+"/static", nil)); err != nil {
		t.Fatal(err) // launch first, so the deadline below measures the job alone
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := f.Fetch(ctx, job(site.URL+"/hang", nil))
	if crawler.TypeOf(err) != crawler.ErrTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a timeout wrapping context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s after the caller's 1s deadline", took)
	}
}
