package worker

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/metric/noop"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/netguard"
)

func TestFetchChoosesMethod(t *testing.T) {
	t.Parallel()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ranked":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<title>R</title><ul><li class="i">a</li><li class="i">target</li></ul>`))
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("no html here"))
		case "/500":
			w.WriteHeader(500)
		case "/403":
			w.WriteHeader(403)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(s.Close)
	hf, err := httpfetch.New(httpfetch.Config{Policy: netguard.Policy{AllowPrivate: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hf.Close() })

	browserResult := crawler.Result{Status: 200, Title: "rendered"}
	okBrowser := crawler.FetcherFunc(func(context.Context, crawler.Job) (crawler.Result, error) { return browserResult, nil })
	panicBrowser := crawler.FetcherFunc(func(context.Context, crawler.Job) (crawler.Result, error) { panic("renderer crashed") })
	rank := func(match string) *crawler.RankSpec { return &crawler.RankSpec{Selector: "li.i", Match: match} }

	tests := []struct {
		name        string
		method      crawler.Method
		path        string
		rank        *crawler.RankSpec
		browser     crawler.Fetcher
		wantMethod  crawler.Method
		wantBrowser bool // the browser was called
		wantTitle   string
		wantErr     crawler.ErrorType // "" for success
		wantRetry   bool
		wantIs      error
	}{
		{name: "http", method: crawler.MethodHTTP, path: "/ranked", browser: okBrowser, wantMethod: "http", wantTitle: "R"},
		{name: "http not html is a success", method: crawler.MethodHTTP, path: "/text", browser: okBrowser, wantMethod: "http"},
		{name: "auto rank found stays http", method: crawler.MethodAuto, path: "/ranked", rank: rank("target"), browser: okBrowser, wantMethod: "http", wantTitle: "R"},
		{name: "empty method is auto", path: "/ranked", browser: okBrowser, wantMethod: "http", wantTitle: "R"},
		{name: "auto no rank match goes to browser", method: crawler.MethodAuto, path: "/ranked", rank: rank("absent"), browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "auto not html goes to browser", method: crawler.MethodAuto, path: "/text", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "auto retryable failure goes to browser", method: crawler.MethodAuto, path: "/500", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "auto 403 goes to browser", method: crawler.MethodAuto, path: "/403", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "auto permanent failure stays http", method: crawler.MethodAuto, path: "/404", browser: okBrowser, wantMethod: "http", wantErr: crawler.ErrHTTP4xx},
		{name: "auto without browser keeps http's result", method: crawler.MethodAuto, path: "/ranked", rank: rank("absent"), wantMethod: "http", wantTitle: "R"},
		{name: "auto without browser keeps http's error", method: crawler.MethodAuto, path: "/500", wantMethod: "http", wantErr: crawler.ErrHTTP5xx, wantRetry: true},
		{name: "browser", method: crawler.MethodBrowser, path: "/ranked", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "browser unavailable", method: crawler.MethodBrowser, path: "/ranked", wantMethod: "browser", wantErr: crawler.ErrBrowser, wantIs: ErrBrowserUnavailable},
		{name: "browser panic", method: crawler.MethodBrowser, path: "/ranked", browser: panicBrowser, wantMethod: "browser", wantBrowser: true, wantErr: crawler.ErrInternal, wantRetry: true},
		{name: "unknown method", method: "carrier-pigeon", path: "/ranked", browser: okBrowser, wantMethod: "http", wantErr: crawler.ErrInternal, wantIs: ErrUnknownMethod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			var browser crawler.Fetcher
			if tt.browser != nil {
				browser = crawler.FetcherFunc(func(ctx context.Context, j crawler.Job) (crawler.Result, error) {
					calls.Add(1)
					return tt.browser.Fetch(ctx, j)
				})
			}
			w := newTestWorker(t, hf, browser)
			res, method, err := w.fetch(context.Background(), crawler.Job{ID: "j", URL: s.URL + tt.path, Method: tt.method, Rank: tt.rank})
			if method != tt.wantMethod || (calls.Load() > 0) != tt.wantBrowser {
				t.Errorf("method = %s, browser called %d times; want %s, called %v", method, calls.Load(), tt.wantMethod, tt.wantBrowser)
			}
			if tt.wantErr == "" {
				if err != nil || res.Method != tt.wantMethod || res.Title != tt.wantTitle {
					t.Errorf("fetch = %+v, %v; want success by %s titled %q", res, err, tt.wantMethod, tt.wantTitle)
				}
				return
			}
			if crawler.TypeOf(err) != tt.wantErr || retryable(err) != tt.wantRetry || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Errorf("error = %v (type %s, retryable %v); want %s, retryable %v, is %v",
					err, crawler.TypeOf(err), retryable(err), tt.wantErr, tt.wantRetry, tt.wantIs)
			}
		})
	}
}

func newTestWorker(t *testing.T, http, browser crawler.Fetcher) *Worker {
	t.Helper()
	m, err := metrics.NewWorker(noop.NewMeterProvider())
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{}, Deps{Queue: nopQueue{}, HTTP: http, Browser: browser, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The HTTP fetcher tells auto whether it found HTML.
var _ PageFetcher = (*httpfetch.Fetcher)(nil)
