package httpfetch_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testFetcher is a Fetcher with the pipeline that opens its jobs and ranks
// their pages, as the worker runs it.
type testFetcher struct {
	*httpfetch.Fetcher
	jobs *fetch.Pipeline
	html atomic.Bool // the last page was HTML
}

func newFetcher(t testing.TB, cfg httpfetch.Config) *testFetcher { return newJobs(t, cfg, nil, 0) }

// newProxied sends every job through proxies, in rotation.
func newProxied(t testing.TB, cfg httpfetch.Config, proxies []string) *testFetcher {
	return newJobs(t, cfg, proxies, 0)
}

// newJobs gives each job timeout (10 s when 0) and proxies in rotation.
func newJobs(t testing.TB, cfg httpfetch.Config, proxies []string, timeout time.Duration) *testFetcher {
	t.Helper()
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	f := &testFetcher{Fetcher: httpfetch.New(cfg)}
	t.Cleanup(func() { _ = f.Close() })
	px, err := fetch.NewProxies(proxies, nil)
	if err != nil {
		t.Fatalf("NewProxies: %v", err)
	}
	seen := fetch.FetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Page, error) {
		p, err := f.Fetch(ctx, req)
		f.html.Store(p != nil && p.HTML)
		return p, err
	})
	f.jobs, err = fetch.New(fetch.Config{Policy: cfg.Policy, Hosts: fetch.NewHostLimiter(64, 0), Timeout: timeout,
		Proxies: px, Fetchers: map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: seen}})
	if err != nil {
		t.Fatalf("fetch.New: %v", err)
	}
	return f
}

// result is a job's result and whether its page was HTML.
type result struct {
	crawler.Result
	HTML bool
}

func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// serveOn serves h on a given loopback address such as 127.0.0.2:0.
func serveOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func get(t testing.TB, f *testFetcher, rawURL string, spec *crawler.RankSpec) (result, error) {
	t.Helper()
	res, _, err := f.jobs.Run(context.Background(), crawler.Job{ID: "j", URL: rawURL, Method: crawler.MethodHTTP, Rank: spec})
	return result{Result: res, HTML: f.html.Load()}, err
}

func wantType(t *testing.T, err error, want crawler.ErrorType, sentinel error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if got := crawler.TypeOf(err); got != want {
		t.Fatalf("type %s, want %s (%v)", got, want, err)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Fatalf("%v does not wrap %v", err, sentinel)
	}
}

func pageHTML(title string, items ...string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>" + title + "</title></head><body><ul>")
	for _, it := range items {
		b.WriteString(`<li class="item">` + it + "</li>")
	}
	b.WriteString("</ul></body></html>")
	return b.String()
}

func htmlHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}
