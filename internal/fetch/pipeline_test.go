package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

var allowPrivate = netguard.Policy{AllowPrivate: true}

// newPipeline runs jobs through the real HTTP fetcher and, when not nil,
// browser.
func newPipeline(t *testing.T, browser fetch.Fetcher) *fetch.Pipeline {
	t.Helper()
	return newTimedPipeline(t, 10*time.Second, browser)
}

// newTimedPipeline gives each method's attempt timeout.
func newTimedPipeline(t *testing.T, timeout time.Duration, browser fetch.Fetcher) *fetch.Pipeline {
	t.Helper()
	hf := httpfetch.New(httpfetch.Config{Policy: allowPrivate})
	t.Cleanup(func() { _ = hf.Close() })
	fs := map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: hf}
	if browser != nil {
		fs[crawler.MethodBrowser] = browser
	}
	p, err := fetch.New(fetch.Config{Policy: allowPrivate, Hosts: fetch.NewHostLimiter(4, 0), Timeout: timeout, Fetchers: fs})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rendered(body string) fetch.FetcherFunc {
	return func(_ context.Context, req fetch.Request) (*fetch.Page, error) {
		return &fetch.Page{FinalURL: req.URL, Status: 200, HTML: true, Body: []byte(body), Bytes: int64(len(body))}, nil
	}
}

func TestRunChoosesMethod(t *testing.T) {
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

	okBrowser := rendered(`<title>rendered</title><ul><li class="i">x</li><li class="i">absent</li></ul>`)
	panicBrowser := fetch.FetcherFunc(func(context.Context, fetch.Request) (*fetch.Page, error) { panic("renderer crashed") })
	rank := func(match string) *crawler.RankSpec { return &crawler.RankSpec{Selector: "li.i", Match: match} }
	two := 2

	tests := []struct {
		name        string
		method      crawler.Method
		path        string
		rank        *crawler.RankSpec
		browser     fetch.Fetcher
		wantMethod  crawler.Method
		wantBrowser bool // the browser was called
		wantTitle   string
		wantRank    *int
		wantErr     crawler.ErrorType // "" for success
		wantIs      error
	}{
		{name: "http", method: crawler.MethodHTTP, path: "/ranked", browser: okBrowser, wantMethod: "http", wantTitle: "R"},
		{name: "http not html is a success", method: crawler.MethodHTTP, path: "/text", browser: okBrowser, wantMethod: "http"},
		{name: "auto rank found stays http", method: crawler.MethodAuto, path: "/ranked", rank: rank("target"), browser: okBrowser, wantMethod: "http", wantTitle: "R", wantRank: &two},
		{name: "empty method is auto", path: "/ranked", browser: okBrowser, wantMethod: "http", wantTitle: "R"},
		{name: "auto no rank match goes to browser", method: crawler.MethodAuto, path: "/ranked", rank: rank("absent"), browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered", wantRank: &two},
		{name: "auto not html goes to browser", method: crawler.MethodAuto, path: "/text", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "auto retryable failure goes to browser", method: crawler.MethodAuto, path: "/500", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "auto 403 goes to browser", method: crawler.MethodAuto, path: "/403", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "auto permanent failure stays http", method: crawler.MethodAuto, path: "/404", browser: okBrowser, wantMethod: "http", wantErr: crawler.ErrHTTP4xx},
		{name: "auto without browser keeps http's result", method: crawler.MethodAuto, path: "/ranked", rank: rank("absent"), wantMethod: "http", wantTitle: "R"},
		{name: "auto without browser keeps http's error", method: crawler.MethodAuto, path: "/500", wantMethod: "http", wantErr: crawler.ErrHTTP5xx},
		{name: "browser", method: crawler.MethodBrowser, path: "/ranked", browser: okBrowser, wantMethod: "browser", wantBrowser: true, wantTitle: "rendered"},
		{name: "browser unavailable", method: crawler.MethodBrowser, path: "/ranked", wantMethod: "browser", wantErr: crawler.ErrBrowser, wantIs: fetch.ErrNoBrowser},
		{name: "browser panic", method: crawler.MethodBrowser, path: "/ranked", browser: panicBrowser, wantMethod: "browser", wantBrowser: true, wantErr: crawler.ErrInternal},
		{name: "unknown method", method: "carrier-pigeon", path: "/ranked", browser: okBrowser, wantMethod: "", wantErr: crawler.ErrParse, wantIs: fetch.ErrUnknownMethod},
		{name: "bad selector is parse, no fetch", method: crawler.MethodAuto, path: "/ranked", rank: &crawler.RankSpec{Selector: "li[", Match: "x"}, browser: okBrowser, wantMethod: "http", wantErr: crawler.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			var browser fetch.Fetcher
			if tt.browser != nil {
				browser = fetch.FetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Page, error) {
					calls.Add(1)
					return tt.browser.Fetch(ctx, req)
				})
			}
			res, method, err := newPipeline(t, browser).Run(t.Context(), crawler.Job{ID: "j", URL: s.URL + tt.path, Method: tt.method, Rank: tt.rank})
			if method != tt.wantMethod || (calls.Load() > 0) != tt.wantBrowser {
				t.Errorf("method = %s, browser called %d times; want %s, called %v", method, calls.Load(), tt.wantMethod, tt.wantBrowser)
			}
			if tt.wantErr == "" {
				if err != nil || res.Method != tt.wantMethod || res.Title != tt.wantTitle || !sameRank(res.Rank, tt.wantRank) {
					t.Errorf("Run = %+v, %v; want success by %s titled %q ranked %v", res, err, tt.wantMethod, tt.wantTitle, tt.wantRank)
				}
				return
			}
			if crawler.TypeOf(err) != tt.wantErr || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Errorf("error = %v (type %s); want %s, is %v", err, crawler.TypeOf(err), tt.wantErr, tt.wantIs)
			}
		})
	}
}

// countCalls counts f's calls in *n (read after the job).
func countCalls(f fetch.Fetcher, n *int) fetch.FetcherFunc {
	return func(ctx context.Context, req fetch.Request) (*fetch.Page, error) {
		*n++
		return f.Fetch(ctx, req)
	}
}

func sameRank(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// TestOneHostIdentity: spellings of one host share one per-host limit.
func TestOneHostIdentity(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 4)
	hosts := limiterFunc(func(_ context.Context, host string) (func(), error) {
		seen <- host
		return func() {}, nil
	})
	page := rendered("<title>t</title>")
	p, err := fetch.New(fetch.Config{Policy: allowPrivate, Hosts: hosts, Timeout: time.Second,
		Fetchers: map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: page}})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"http://localhost/", "http://ｌｏｃａｌｈｏｓｔ/", "http://LOCALHOST.:80/"} {
		if _, _, err := p.Run(t.Context(), crawler.Job{URL: raw, Method: crawler.MethodHTTP}); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := <-seen; got != "localhost" {
			t.Errorf("%s is limited as %q, want localhost", raw, got)
		}
	}
}

type limiterFunc func(ctx context.Context, host string) (func(), error)

func (f limiterFunc) Acquire(ctx context.Context, host string) (func(), error) { return f(ctx, host) }

// TestProxyChosenOncePerJob: every method of a job is handed the same
// proxy, and jobs rotate through the list.
func TestProxyChosenOncePerJob(t *testing.T) {
	t.Parallel()
	proxies, err := fetch.NewProxies([]string{"http://p1:3128", "http://p2:3128"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	record := func(_ context.Context, req fetch.Request) (*fetch.Page, error) {
		u, err := req.Proxy(req.URL)
		if err != nil {
			return nil, err
		}
		got = append(got, u.Host)
		return &fetch.Page{FinalURL: req.URL, Status: 200, HTML: false}, nil
	}
	p, err := fetch.New(fetch.Config{Policy: allowPrivate, Hosts: fetch.NewHostLimiter(1, 0), Timeout: time.Second, Proxies: proxies,
		Fetchers: map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: fetch.FetcherFunc(record), crawler.MethodBrowser: fetch.FetcherFunc(record)}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		// Not HTML: auto goes on to the browser, which must get the same proxy.
		if _, _, err := p.Run(t.Context(), crawler.Job{URL: "http://a.example/", Method: crawler.MethodAuto}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"p1:3128", "p1:3128", "p2:3128", "p2:3128"}
	if len(got) != len(want) {
		t.Fatalf("proxies used %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("proxies used %v, want %v", got, want)
		}
	}
}

// TestNoCredentialsInProxyErrors: whatever the spelling, a bad proxy's
// password stays out of the error.
func TestNoCredentialsInProxyErrors(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"user:secret@host:3128", "ftp://user:secret@host:21", "http://user:secret@", "http://user:secret@[::1",
		"ftp://proxy:21", "http://", "::bad", "socks5:user:secret@host"} {
		_, err := fetch.NewProxies([]string{raw}, nil)
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: error quotes the password: %v", raw, err)
		}
	}
}
