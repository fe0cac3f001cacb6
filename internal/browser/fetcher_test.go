package browser

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// TestScriptPages: on pages whose result list is built by script, the
// browser finds the rank and plain HTTP does not.
func TestScriptPages(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	// The default WaitSelector: a list built from a fetch() may land after
	// load (TestWaitStrategies shows the strategies apart).
	f, reader := newTestFetcher(t, Config{})
	plain, err := httpfetch.New(httpfetch.Config{Policy: netguard.Policy{AllowPrivate: true}})
	if err != nil {
		t.Fatal(err)
	}
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
			got, err := f.FetchPage(ctx, job(site.URL+tt.path, spec("target")))
			if err != nil {
				t.Fatalf("browser: %v", err)
			}
			if got.Method != crawler.MethodBrowser || got.Status != 200 || !got.HTML || got.Title != tt.wantTitle {
				t.Errorf("browser got %+v, want method browser, status 200, HTML, title %q", got, tt.wantTitle)
			}
			if rankOf(got.Rank) != tt.wantRank || got.Items != tt.wantItems {
				t.Errorf("browser rank %d of %d items, want %d of %d", rankOf(got.Rank), got.Items, tt.wantRank, tt.wantItems)
			}
			if got.Bytes < 100 || got.DurationMS <= 0 {
				t.Errorf("bytes %d, duration %d ms: want a rendered page and a duration", got.Bytes, got.DurationMS)
			}
			wantFinal := site.URL + tt.path
			if tt.wantFinal != "" {
				wantFinal = site.URL + tt.wantFinal
			}
			if got.FinalURL != wantFinal {
				t.Errorf("final URL %s, want %s", got.FinalURL, wantFinal)
			}
			hp, err := plain.FetchPage(ctx, job(site.URL+tt.path, spec("target")))
			if err != nil {
				t.Fatalf("http: %v", err)
			}
			if rankOf(hp.Rank) != tt.httpRank {
				t.Errorf("plain HTTP rank %d, want %d", rankOf(hp.Rank), tt.httpRank)
			}
		})
	}
	t.Cleanup(func() {
		// Cleanups run last-in first-out: this one runs before the Fetcher
		// closes, after the subtests.
		if n := sum(t, reader, MetricLaunches, ""); n != 1 {
			t.Errorf("%s = %d, want 1: one browser for every job", MetricLaunches, n)
		}
		if n := sum(t, reader, MetricPagesOpen, ""); n != 0 {
			t.Errorf("%s = %d after the jobs, want 0", MetricPagesOpen, n)
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
		{WaitNetworkIdle, "400", 3},
		{WaitSelector, "400", 3},
	}
	for _, tt := range tests {
		t.Run(string(tt.wait), func(t *testing.T) {
			t.Parallel()
			f, _ := newTestFetcher(t, Config{WaitUntil: tt.wait})
			got, err := f.Fetch(context.Background(), job(site.URL+"/late?delay="+tt.delay, spec("target")))
			if err != nil {
				t.Fatal(err)
			}
			if rankOf(got.Rank) != tt.wantRank {
				t.Errorf("rank %d, want %d", rankOf(got.Rank), tt.wantRank)
			}
		})
	}
}

// TestSelectorWaitIsBounded: under WaitSelector a page without a matching
// item is read after SelectorWait, not after the job's Timeout.
func TestSelectorWaitIsBounded(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	f, _ := newTestFetcher(t, Config{WaitUntil: WaitSelector, SelectorWait: 300 * time.Millisecond, Timeout: 20 * time.Second})
	got, err := f.Fetch(context.Background(), job(site.URL+"/static", &crawler.RankSpec{Selector: "li.absent", Match: "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Rank != nil || got.Title != "Static" {
		t.Errorf("got %+v, want the page with no rank", got)
	}
	if got.DurationMS > 10_000 {
		t.Errorf("took %d ms: the selector wait was not bounded", got.DurationMS)
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
			if _, err := f.Fetch(context.Background(), job(site+"/", nil)); err != nil {
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
	site, peak := newSlowSite(t, 300*time.Millisecond)
	f, _ := newTestFetcher(t, Config{Concurrency: 2})
	errs := make(chan error, 6)
	for range 6 {
		go func() {
			_, err := f.Fetch(context.Background(), job(site, nil))
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

// The per-host limit covers browser jobs: with room for one job per host,
// page loads to the one host never overlap though two pages may be open,
// and every place taken is given back.
func TestHostLimitCoversPages(t *testing.T) {
	t.Parallel()
	site, peak := newSlowSite(t, 200*time.Millisecond)
	hosts := &countingHosts{sem: make(chan struct{}, 1)}
	f, _ := newTestFetcher(t, Config{Concurrency: 2, Hosts: hosts})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := f.Fetch(context.Background(), job(site, nil))
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if p := peak(); p != 1 {
		t.Errorf("peak concurrent page loads %d with one place per host, want 1", p)
	}
	hosts.mu.Lock()
	defer hosts.mu.Unlock()
	if hosts.acquired != 4 || hosts.released != 4 || hosts.host != "127.0.0.1" {
		t.Errorf("host limit: %d acquired, %d released, last host %q; want 4, 4, 127.0.0.1", hosts.acquired, hosts.released, hosts.host)
	}
}

// countingHosts is a HostLimiter with cap(sem) places for any host.
type countingHosts struct {
	sem                chan struct{}
	mu                 sync.Mutex
	acquired, released int
	host               string
}

func (h *countingHosts) Acquire(ctx context.Context, host string) (func(), error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	h.mu.Lock()
	h.acquired++
	h.host = host
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.released++
		h.mu.Unlock()
		<-h.sem
	}, nil
}

func rankOf(r *int) int {
	if r == nil {
		return 0
	}
	return *r
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
