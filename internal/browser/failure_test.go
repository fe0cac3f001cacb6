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
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/metrics"
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
	f, reader := newTestFetcher(t, Config{Resolver: dns.Resolver()})
	canaryPort := c.ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name     string
		url      string
		match    string            // "": no rank asked
		wantType crawler.ErrorType // "": success
		wantIs   error
		wantMsg  string
		notMsg   string // an address of ours the message must not name
		check    func(t *testing.T, p *fetch.Page)
	}{
		{name: "never finishes loading", url: site.URL + "/hang", wantType: crawler.ErrTimeout},
		{name: "script never yields after load", url: site.URL + "/busy", wantType: crawler.ErrTimeout},
		{name: "download", url: site.URL + "/download", wantType: crawler.ErrParse, wantIs: ErrDownload},
		{name: "pdf", url: site.URL + "/pdf", match: "x", check: func(t *testing.T, p *fetch.Page) {
			if p.HTML || p.ContentType != "application/pdf" || p.Status != 200 || p.Bytes != 16 || len(p.Body) != 0 {
				t.Errorf("got %+v, want a 200 application/pdf of 16 bytes, not HTML, no body", p)
			}
		}},
		{name: "404", url: site.URL + "/status/404", wantType: crawler.ErrHTTP4xx, check: wantStatus(404)},
		{name: "503", url: site.URL + "/status/503", wantType: crawler.ErrHTTP5xx, check: wantStatus(503)},
		{name: "429", url: site.URL + "/status/429", wantType: crawler.ErrHTTP5xx, check: wantStatus(429)},
		{name: "404 with no body", url: site.URL + "/empty-status/404?token=secret", wantType: crawler.ErrHTTP4xx, wantMsg: "status 404", check: wantStatus(404)},
		{name: "500 with no body", url: site.URL + "/empty-status/500", wantType: crawler.ErrHTTP5xx, wantMsg: "status 500", check: wantStatus(500)},
		{name: "subresources aimed at refused addresses", url: site.URL + "/leak", match: "target", check: wantRank("target", 1)},
		{name: "websocket to a refused address", url: site.URL + "/socket", match: "closed", check: wantRank("closed", 1)},
		{name: "redirect to a refused address", url: site.URL + "/redirect-out", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked,
			wantMsg: "127.0.0.2 is refused: it is a loopback address"},
		{name: "redirect to a refused https address", url: site.URL + "/redirect-out-tls", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked,
			wantMsg: "127.0.0.2 is refused: it is a loopback address"},
		{name: "host name", url: strings.Replace(site.URL, "127.0.0.1", "site.test", 1) + "/js", match: "target", check: wantRank("target", 4)},
		{name: "host resolving to a refused address", url: fmt.Sprintf("http://internal.test:%d/", canaryPort),
			wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked, wantMsg: "internal.test is refused: it is a loopback address", notMsg: "127.0.0.2"},
		{name: "host rebinding to a refused address", url: fmt.Sprintf("http://rebind.test:%d/", canaryPort),
			wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked, wantMsg: "rebind.test is refused: it is a loopback address", notMsg: "127.0.0.2"},
		{name: "refused address literal", url: c.url() + "/", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked},
		{name: "metadata address literal", url: "http://169.254.169.254/latest/", wantType: crawler.ErrBlocked, wantIs: netguard.ErrBlocked},
		{name: "unresolvable host", url: "http://no-such-host.invalid/", wantType: crawler.ErrDNS},
		{name: "connection refused", url: "http://" + porttest.Refused(t) + "/", wantType: crawler.ErrConnect},
		// The pipeline refuses such URLs first; the fetcher still will not
		// open one.
		{name: "not http", url: "file:///etc/passwd", wantType: crawler.ErrParse},
	}
	if _, err := get(context.Background(), f, site.URL+"/static", ""); err != nil {
		t.Fatal(err) // launch outside the cases' deadlines
	}
	slots := make(chan struct{}, 2) // Config.Concurrency's default
	t.Run("group", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				selector := ""
				if tt.match != "" {
					selector = "li.r"
				}
				// The cases take turns for the fetcher's pages here, so
				// each deadline, like the pipeline's, bounds its job alone.
				slots <- struct{}{}
				defer func() { <-slots }()
				start := time.Now()
				got, err := getWithin(t, timeout, f, tt.url, selector)
				if took := time.Since(start); took > timeout+2*time.Second {
					t.Errorf("took %s, want the %s deadline to end it", took, timeout)
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
					msg := err.Error()
					if !strings.Contains(msg, tt.wantMsg) || strings.Contains(msg, "\n") || strings.Contains(msg, "token=") ||
						(tt.notMsg != "" && strings.Contains(msg, tt.notMsg)) {
						t.Errorf("error %q: want one line mentioning %q, with no query string and no %q", err, tt.wantMsg, tt.notMsg)
					}
				}
				if tt.check != nil {
					tt.check(t, got)
				}
			})
		}
	})
	t.Run("next job after the failures", func(t *testing.T) {
		got, err := get(context.Background(), f, site.URL+"/js", "li.r")
		if err != nil {
			t.Fatal(err)
		}
		if r := rankPage(t, got, "target"); r.rank != 4 {
			t.Fatalf("rank %d, want 4", r.rank)
		}
		if n := c.conns.Load(); n != 0 {
			t.Errorf("the canary on 127.0.0.2 saw %d connections, want 0", n)
		}
		// The leak page: an iframe, a script and a fetch refused by routes
		// (its image is refused as an image); the socket and the redirect
		// by the proxy; the localhost page by its route.
		if n := sum(t, reader, metrics.BrowserRequestsBlocked.Name, ""); n < 6 {
			t.Errorf("%s = %d, want at least 6", metrics.BrowserRequestsBlocked.Name, n)
		}
		if n := sum(t, reader, metrics.BrowserLaunches.Name, ""); n != 1 {
			t.Errorf("%s = %d, want 1: no failure above needs a relaunch", metrics.BrowserLaunches.Name, n)
		}
		if n := sum(t, reader, metrics.BrowserPagesOpen.Name, ""); n != 0 {
			t.Errorf("%s = %d, want 0", metrics.BrowserPagesOpen.Name, n)
		}
	})
}

func wantStatus(code int) func(t *testing.T, p *fetch.Page) {
	return func(t *testing.T, p *fetch.Page) {
		if p == nil || p.Status != code {
			t.Errorf("page %+v, want status %d", p, code)
		}
	}
}

func wantRank(match string, rank int) func(t *testing.T, p *fetch.Page) {
	return func(t *testing.T, p *fetch.Page) {
		if r := rankPage(t, p, match); r.rank != rank {
			t.Errorf("rank %d, want %d", r.rank, rank)
		}
	}
}

// TestCallerCancels: a job whose caller gives up ends at once as a
// timeout, though the page would hang on.
func TestCallerCancels(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	f, _ := newTestFetcher(t, Config{})
	if _, err := get(context.Background(), f, site.URL+"/static", ""); err != nil {
		t.Fatal(err) // launch first, so the deadline below measures the job alone
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := get(ctx, f, site.URL+"/hang", "")
	if crawler.TypeOf(err) != crawler.ErrTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a timeout wrapping context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s after the caller's 1s deadline", took)
	}
}
