package httpfetch_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newFetcher(t *testing.T, cfg httpfetch.Config) *httpfetch.Fetcher {
	t.Helper()
	f, err := httpfetch.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
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

func fetch(t *testing.T, f *httpfetch.Fetcher, rawURL string, spec *crawler.RankSpec) (httpfetch.Page, error) {
	t.Helper()
	return f.FetchPage(t.Context(), crawler.Job{ID: "j", URL: rawURL, Method: crawler.MethodHTTP, Rank: spec})
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
