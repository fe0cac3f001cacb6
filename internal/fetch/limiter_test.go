package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

// inFlight counts concurrent requests at a server and keeps the maximum.
type inFlight struct {
	now, peak atomic.Int64
	starts    chan time.Time
}

func (c *inFlight) handler(hold time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := c.now.Add(1)
		defer c.now.Add(-1)
		for {
			p := c.peak.Load()
			if n <= p || c.peak.CompareAndSwap(p, n) {
				break
			}
		}
		if c.starts != nil {
			c.starts <- time.Now()
		}
		time.Sleep(hold)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<title>t</title>"))
	})
}

func TestPerHostConcurrency(t *testing.T) {
	t.Parallel()
	var c inFlight
	srv := serve(t, c.handler(30*time.Millisecond))
	f := newLimitedPipeline(t, fetch.NewHostLimiter(2, 0))
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			_, _, err := f.Run(t.Context(), crawler.Job{URL: srv.URL, Method: crawler.MethodHTTP})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
	}
	if p := c.peak.Load(); p != 2 {
		t.Fatalf("peak in flight at the server = %d, want 2", p)
	}
}

func TestPerHostGap(t *testing.T) {
	t.Parallel()
	const gap = 40 * time.Millisecond
	c := inFlight{starts: make(chan time.Time, 5)}
	srv := serve(t, c.handler(0))
	f := newLimitedPipeline(t, fetch.NewHostLimiter(5, gap))
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, _, err := f.Run(t.Context(), crawler.Job{URL: srv.URL, Method: crawler.MethodHTTP}); err != nil {
				t.Errorf("Fetch: %v", err)
			}
		})
	}
	wg.Wait()
	close(c.starts)
	var first, last time.Time
	for s := range c.starts {
		if first.IsZero() {
			first = s
		}
		last = s
	}
	// Without the gap the five arrive within a few milliseconds. Arrival
	// latency jitters under load, so the bound is looser than 4 gaps; the
	// exact spacing is checked on the limiter itself below.
	if span := last.Sub(first); span < 3*gap {
		t.Fatalf("5 requests arrived within %s, want them spread over about %s", span, 4*gap)
	}
}

func TestHostLimiterGap(t *testing.T) {
	t.Parallel()
	const gap = 20 * time.Millisecond
	l := fetch.NewHostLimiter(10, gap)
	begin := time.Now()
	var mu sync.Mutex
	var starts []time.Duration
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			release, err := l.Acquire(t.Context(), "a.example")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			starts = append(starts, time.Since(begin))
			mu.Unlock()
			release()
		})
	}
	wg.Wait()
	slices.Sort(starts)
	// Start k is reserved k gaps after the first, and timers never fire
	// early.
	for k, s := range starts {
		if s < time.Duration(k)*gap {
			t.Fatalf("start %d at %s, want at least %s", k, s, time.Duration(k)*gap)
		}
	}
}

func TestHostLimiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, l fetch.HostLimiter)
	}{
		{"hosts do not share slots", func(t *testing.T, l fetch.HostLimiter) {
			r1, err := l.Acquire(t.Context(), "a.example")
			if err != nil {
				t.Fatal(err)
			}
			defer r1()
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			r2, err := l.Acquire(ctx, "b.example")
			if err != nil {
				t.Fatalf("second host waited: %v", err)
			}
			r2()
		}},
		{"a full host waits until ctx ends", func(t *testing.T, l fetch.HostLimiter) {
			r1, err := l.Acquire(t.Context(), "a.example")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
			defer cancel()
			if _, err := l.Acquire(ctx, "a.example"); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Acquire on a full host = %v, want deadline exceeded", err)
			}
			r1()
			r1() // release is idempotent: the slot is not freed twice
			r2, err := l.Acquire(t.Context(), "a.example")
			if err != nil {
				t.Fatal(err)
			}
			ctx2, cancel2 := context.WithTimeout(t.Context(), 30*time.Millisecond)
			defer cancel2()
			if _, err := l.Acquire(ctx2, "a.example"); err == nil {
				t.Fatal("a double release freed a second slot")
			}
			r2()
		}},
		{"many hosts", func(t *testing.T, l fetch.HostLimiter) {
			for i := range 5000 {
				r, err := l.Acquire(t.Context(), "h"+string(rune('a'+i%26))+time.Duration(i).String())
				if err != nil {
					t.Fatal(err)
				}
				r()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, fetch.NewHostLimiter(1, 0))
		})
	}
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newLimitedPipeline runs HTTP jobs under hosts.
func newLimitedPipeline(t *testing.T, hosts fetch.HostLimiter) *fetch.Pipeline {
	t.Helper()
	hf := httpfetch.New(httpfetch.Config{Policy: allowPrivate, MaxIdleConnsPerHost: 16})
	t.Cleanup(func() { _ = hf.Close() })
	p, err := fetch.New(fetch.Config{Policy: allowPrivate, Hosts: hosts, Timeout: 10 * time.Second,
		Fetchers: map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: hf}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
