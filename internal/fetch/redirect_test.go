package fetch_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
)

// TestRedirectsKeepTheHostLimit: jobs that start on eight hosts and are
// all redirected to a ninth put no more requests on it than its limit.
func TestRedirectsKeepTheHostLimit(t *testing.T) {
	t.Parallel()
	var c inFlight
	target := serve(t, c.handler(50*time.Millisecond))
	var starts []string
	for i := 2; i <= 9; i++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", i))
		if err != nil {
			t.Fatal(err)
		}
		redir := httptest.NewUnstartedServer(http.RedirectHandler(target.URL+"/conc", http.StatusFound))
		redir.Listener.Close()
		redir.Listener = l
		redir.Start()
		t.Cleanup(redir.Close)
		starts = append(starts, redir.URL+"/")
	}
	p := newLimitedPipeline(t, fetch.NewHostLimiter(2, 0))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, u := range starts {
		wg.Go(func() {
			if _, _, err := p.Run(t.Context(), crawler.Job{URL: u, Method: crawler.MethodHTTP}); err != nil {
				t.Errorf("%s: %v", u, err)
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if peak := c.peak.Load(); peak > 2 {
		t.Fatalf("%d requests at once reached the redirect target, whose limit is 2", peak)
	}
}

// TestRedirectWithCredentialsRefused: a redirect to a URL with user info is
// not followed (net/http would send it as Basic auth to the new host), as a
// job's own URL with credentials is refused.
func TestRedirectWithCredentialsRefused(t *testing.T) {
	t.Parallel()
	var reached atomic.Int64
	target := serve(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
	redir := serve(t, http.RedirectHandler("http://u:pw_SECRET@"+target.Listener.Addr().String()+"/?x=1", http.StatusFound))
	p := newLimitedPipeline(t, fetch.NewHostLimiter(2, 0))
	res, _, err := p.Run(t.Context(), crawler.Job{URL: redir.URL, Method: crawler.MethodHTTP})
	if crawler.TypeOf(err) != crawler.ErrParse || reached.Load() != 0 {
		t.Fatalf("Run = %+v, %v; target reached %d times; want a parse error and no request", res, err, reached.Load())
	}
	if text := fmt.Sprint(err, res.FinalURL); strings.Contains(text, "SECRET") {
		t.Errorf("the error or result quotes the credentials: %s", text)
	}
}
