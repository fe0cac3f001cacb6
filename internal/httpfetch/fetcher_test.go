package httpfetch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/porttest"
	"github.com/crawler-service/crawler/internal/rank"
)

func TestFetchSuccess(t *testing.T) {
	t.Parallel()
	body := pageHTML("Widgets &amp; more",
		`<a href="https://other.example/">Other</a>`,
		`<a href="https://www.example.com/x">Example</a>`,
		`<a href="/local">Local</a>`)
	var gotUA, gotAE string
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hop", http.StatusFound)
	})
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/page?q=1", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotAE = r.UserAgent(), r.Header.Get("Accept-Encoding")
		htmlHandler(body)(w, r)
	})
	srv := serve(t, mux)
	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate})

	res, err := get(t, f, srv.URL+"/start", &crawler.RankSpec{Selector: "li.item", Match: "example.com"})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if res.FinalURL != srv.URL+"/page?q=1" {
		t.Errorf("FinalURL = %q, want the page after two redirects", res.FinalURL)
	}
	if res.Status != 200 || res.Method != crawler.MethodHTTP || res.DurationMS < 0 {
		t.Errorf("Status %d, Method %q, DurationMS %d", res.Status, res.Method, res.DurationMS)
	}
	if res.Title != "Widgets & more" {
		t.Errorf("Title = %q", res.Title)
	}
	if res.Bytes != int64(len(body)) {
		t.Errorf("Bytes = %d, want %d", res.Bytes, len(body))
	}
	if res.Rank == nil || *res.Rank != 2 {
		t.Errorf("Rank = %v, want 2", res.Rank)
	}
	if gotUA != httpfetch.DefaultUserAgent || gotAE != "gzip, deflate" {
		t.Errorf("User-Agent %q, Accept-Encoding %q", gotUA, gotAE)
	}

	// A relative link matches once resolved against the final URL.
	res, err = get(t, f, srv.URL+"/start", &crawler.RankSpec{Selector: "li.item", Match: srv.Listener.Addr().String() + "/local"})
	if err != nil || res.Rank == nil || *res.Rank != 3 {
		t.Errorf("relative link: rank %v, err %v", res.Rank, err)
	}
	// No match is a success with a nil rank.
	res, err = get(t, f, srv.URL+"/page", &crawler.RankSpec{Selector: "li.item", Match: "absent.example"})
	if err != nil || res.Rank != nil {
		t.Errorf("no match: rank %v, err %v", res.Rank, err)
	}
}

func TestFetchUserAgent(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.UserAgent()
		htmlHandler(pageHTML("t"))(w, r)
	}))
	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate, UserAgent: "custom-bot/2.0"})
	if _, err := get(t, f, srv.URL, nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if ua := <-got; ua != "custom-bot/2.0" {
		t.Fatalf("User-Agent = %q", ua)
	}
}

func TestFetchErrorTypes(t *testing.T) {
	t.Parallel()
	slow := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	status := func(code int, header ...string) string {
		return serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(code)
		})).URL
	}
	big := strings.Repeat("x", 5000)
	sized := serve(t, htmlHandler(big)).URL
	chunked := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for range 5 {
			_, _ = w.Write([]byte(big[:1000]))
			w.(http.Flusher).Flush()
		}
	})).URL
	loop := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	})).URL
	badGzip := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write([]byte("this is not gzip"))
	})).URL
	brotli := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "br")
		_, _ = w.Write([]byte("whatever"))
	})).URL
	tlsSrv := httptest.NewUnstartedServer(htmlHandler(pageHTML("secure")))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	// 2 MiB of response headers: net/http gives up at its limit.
	bigHeader := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for i := range 64 {
			w.Header().Set(fmt.Sprintf("X-Filler-%d", i), strings.Repeat("x", 32<<10))
		}
		w.WriteHeader(200)
	})).URL

	resolver := dnstest.Start(t, nil).Resolver()
	base := httpfetch.Config{Policy: allowPrivate, Resolver: resolver, MaxBodyBytes: 4096}

	tests := []struct {
		name     string
		url      string
		spec     *crawler.RankSpec
		want     crawler.ErrorType
		sentinel error
		status   int
	}{
		{"slow handler", slow.URL, nil, crawler.ErrTimeout, nil, 0},
		{"unresolvable name", "http://nonexistent.invalid/", nil, crawler.ErrDNS, nil, 0},
		{"closed port", "http://" + porttest.Refused(t) + "/", nil, crawler.ErrConnect, nil, 0},
		{"untrusted certificate", tlsSrv.URL, nil, crawler.ErrTLS, nil, 0},
		{"https to a plain server", "https://" + slow.Listener.Addr().String() + "/", nil, crawler.ErrTLS, nil, 0},
		{"404", status(404), nil, crawler.ErrHTTP4xx, nil, 404},
		{"403", status(403), nil, crawler.ErrHTTP4xx, nil, 403},
		{"408 is a timeout", status(408), nil, crawler.ErrTimeout, nil, 408},
		{"429 is retryable", status(429, "Retry-After", "7"), nil, crawler.ErrHTTP5xx, nil, 429},
		{"500", status(500), nil, crawler.ErrHTTP5xx, nil, 500},
		{"503", status(503), nil, crawler.ErrHTTP5xx, nil, 503},
		{"body over limit with Content-Length", sized, nil, crawler.ErrTooLarge, httpfetch.ErrBodyTooLarge, 200},
		{"chunked body over limit", chunked, nil, crawler.ErrTooLarge, httpfetch.ErrBodyTooLarge, 200},
		{"redirect loop", loop + "/loop", nil, crawler.ErrHTTP4xx, httpfetch.ErrTooManyRedirects, 0},
		{"malformed Location", status(302, "Location", "%zz?token=secret"), nil, crawler.ErrParse, nil, 0},
		{"corrupt gzip", badGzip, nil, crawler.ErrParse, nil, 200},
		{"encoding not offered", brotli, nil, crawler.ErrParse, httpfetch.ErrContentEncoding, 200},
		{"invalid selector", sized, &crawler.RankSpec{Selector: "li[", Match: "x"}, crawler.ErrParse, rank.ErrInvalidSelector, 0},
		{"not a crawlable url", "ftp://example.com/", nil, crawler.ErrParse, nil, 0},
		{"oversized response header", bigHeader, nil, crawler.ErrTooLarge, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := 5 * time.Second
			if tt.want == crawler.ErrTimeout && tt.status == 0 {
				timeout = 300 * time.Millisecond
			}
			f := newJobs(t, base, nil, timeout)
			start := time.Now()
			page, err := get(t, f, tt.url, tt.spec)
			wantType(t, err, tt.want, tt.sentinel)
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q quotes a query string", err)
			}
			if page.Status != tt.status {
				t.Errorf("Status = %d, want %d", page.Status, tt.status)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

func TestStatusErrorDetails(t *testing.T) {
	t.Parallel()
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate})
	_, err := get(t, f, srv.URL+"/x?token=secret", nil)
	var se *httpfetch.StatusError
	if !errors.As(err, &se) || se.Code != 429 || se.RetryAfter != 2*time.Minute {
		t.Fatalf("err = %v, want StatusError 429 retry after 2m", err)
	}
	if !crawler.TypeOf(err).Retryable() {
		t.Fatalf("429 is not retryable: %v", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error message leaks the query string: %v", err)
	}
}

func TestCancelledByCaller(t *testing.T) {
	t.Parallel()
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	time.AfterFunc(50*time.Millisecond, cancel)
	_, _, err := f.jobs.Run(ctx, crawler.Job{URL: srv.URL, Method: crawler.MethodHTTP})
	wantType(t, err, crawler.ErrInternal, nil)
}

var allowPrivate = netguard.Policy{AllowPrivate: true}
