package browser

import (
	"context"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/netguard"
)

// TestScriptPages: on pages whose result list is built by script, the
// browser's DOM has the rank and plain HTTP's body does not.
func TestScriptPages(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	// The default WaitSelector: a list built from a fetch() may land after
	// load (TestWaitStrategies shows the strategies apart).
	f, reader := newTestFetcher(t, Config{})
	plain := httpfetch.New(httpfetch.Config{Policy: netguard.Policy{AllowPrivate: true}})
	t.Cleanup(func() { _ = plain.Close() })
	tests := []struct {
		name, path string
		wantTitle  string
		wantRank   int // 0: none
		wantItems  int
		httpRank   int // what plain HTTP finds
		wantFinal  string
	}{
		{name: "server-rendered", path: "/static", wantTitle: "Static", wantRank: 2, wantItems: 2, httpRank: 2},
		{name: "built by script", path: "/js", wantTitle: "Script", wantRank: 4, wantItems: 4},
		{name: "built from fetch to a second server", path: "/fetch", wantTitle: "Fetched", wantRank: 3, wantItems: 3},
		{name: "page throwing uncaught errors", path: "/throws", wantTitle: "Throws", wantRank: 1, wantItems: 1, httpRank: 1},
		{name: "after a redirect", path: "/redirect-in", wantTitle: "Script", wantRank: 4, wantItems: 4, wantFinal: "/js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			got, err := get(ctx, f, site.URL+tt.path, "li.r")
			if err != nil {
				t.Fatalf("browser: %v", err)
			}
			if got.Status != 200 || !got.HTML || got.Bytes != int64(len(got.Body)) || got.Bytes < 100 {
				t.Errorf("browser got status %d, HTML %v, %d bytes of a %d-byte body; want 200, HTML, the rendered page",
					got.Status, got.HTML, got.Bytes, len(got.Body))
			}
			if r := rankPage(t, got, "target"); r.title != tt.wantTitle || r.rank != tt.wantRank || r.items != tt.wantItems {
				t.Errorf("browser page ranks %+v, want title %q, rank %d of %d items", r, tt.wantTitle, tt.wantRank, tt.wantItems)
			}
			wantFinal := site.URL + tt.path
			if tt.wantFinal != "" {
				wantFinal = site.URL + tt.wantFinal
			}
			if got.FinalURL.String() != wantFinal {
				t.Errorf("final URL %s, want %s", got.FinalURL, wantFinal)
			}
			hp, err := plain.Fetch(ctx, request(site.URL+tt.path, ""))
			if err != nil {
				t.Fatalf("http: %v", err)
			}
			if r := rankPage(t, hp, "target"); r.rank != tt.httpRank {
				t.Errorf("plain HTTP rank %d, want %d", r.rank, tt.httpRank)
			}
		})
	}
	t.Cleanup(func() {
		// Cleanups run last-in first-out: this one runs before the Fetcher
		// closes, after the subtests.
		if n := sum(t, reader, metrics.BrowserLaunches.Name, ""); n != 1 {
			t.Errorf("%s = %d, want 1: one browser for every job", metrics.BrowserLaunches.Name, n)
		}
		if n := sum(t, reader, metrics.BrowserPagesOpen.Name, ""); n != 0 {
			t.Errorf("%s = %d after the jobs, want 0", metrics.BrowserPagesOpen.Name, n)
		}
	})
}

// TestWaitStrategies: content that arrives after load is seen by
// networkidle and by the selector wait, not by load; the selector wait
// does not pay networkidle's quiet half second.
func TestWaitStrategies(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	tests := []struct {
		wait     WaitUntil
		delay    string // ms from load to the items
		wantRank int
	}{
		// Long enough that reading the page after load never meets the
		// items, even on a loaded machine (400 ms did, once, in CI).
		{WaitLoad, "5000", 0},
		// Networkidle waits for 500 ms without requests: the items' fetch
		// must start well inside that, even when the machine is busy.
		{WaitNetworkIdle, "150", 3},
		{WaitSelector, "400", 3},
	}
	for _, tt := range tests {
		t.Run(string(tt.wait), func(t *testing.T) {
			t.Parallel()
			f, _ := newTestFetcher(t, Config{WaitUntil: tt.wait})
			got, err := get(context.Background(), f, site.URL+"/late?delay="+tt.delay, "li.r")
			if err != nil {
				t.Fatal(err)
			}
			if r := rankPage(t, got, "target"); r.rank != tt.wantRank {
				t.Errorf("rank %d, want %d", r.rank, tt.wantRank)
			}
		})
	}
}

// TestSelectorWaitIsBounded: under WaitSelector a page without a matching
// item is read after SelectorWait, not at the job's deadline.
func TestSelectorWaitIsBounded(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	f, _ := newTestFetcher(t, Config{WaitUntil: WaitSelector, SelectorWait: 300 * time.Millisecond})
	if _, err := get(context.Background(), f, site.URL+"/static", ""); err != nil {
		t.Fatal(err) // launch first, so the time below is the job's
	}
	start := time.Now()
	got, err := getWithin(t, 20*time.Second, f, site.URL+"/static", "li.absent")
	if err != nil {
		t.Fatal(err)
	}
	if r := rankBy(t, got, "li.absent", "x"); r.rank != 0 || r.title != "Static" {
		t.Errorf("got %+v, want the page with no rank", r)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s: the selector wait was not bounded", took)
	}
}

// TestResourcesBlocked: images, fonts and media are not requested by
// default, and are with LoadResources.
func TestResourcesBlocked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		load     bool
		wantHits bool
	}{{false, false}, {true, true}}
	for _, tt := range tests {
		t.Run(map[bool]string{false: "default", true: "LoadResources"}[tt.load], func(t *testing.T) {
			t.Parallel()
			site, hits := newCountingSite(t)
			f, _ := newTestFetcher(t, Config{LoadResources: tt.load})
			if _, err := get(context.Background(), f, site+"/", ""); err != nil {
				t.Fatal(err)
			}
			if got := hits("/img.png") > 0; got != tt.wantHits {
				t.Errorf("image requested: %v, want %v", got, tt.wantHits)
			}
		})
	}
}

// TestConcurrencyBoundsPages: no more pages are open than Concurrency,
// seen from the server.
func TestConcurrencyBoundsPages(t *testing.T) {
	t.Parallel()
	// Slow enough that two jobs' loads overlap even on a busy machine.
	site, peak := newSlowSite(t, time.Second)
	f, _ := newTestFetcher(t, Config{Concurrency: 2})
	errs := make(chan error, 6)
	for range 6 {
		go func() {
			_, err := get(context.Background(), f, site, "")
			errs <- err
		}()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if p := peak(); p != 2 {
		t.Errorf("peak concurrent page loads %d, want 2", p)
	}
}

func TestIsHTML(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]bool{
		"":                         true,
		"text/html":                true,
		"TEXT/HTML; charset=utf-8": true,
		"application/xhtml+xml":    true,
		"application/pdf":          false,
		"text/plain":               false,
		"image/png":                false,
		"text/html; charset=\"bad": false,
	} {
		if got := isHTML(ct); got != want {
			t.Errorf("isHTML(%q) = %v, want %v", ct, got, want)
		}
	}
}
