package integration

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// site is a local web site that counts every fetch of every path, so a
// test sees duplicates (a path fetched twice) and losses (never fetched)
// from outside the crawler. Paths:
//
//	/p/NAME           a result page after a random delay in [minDelay, maxDelay]
//	/hold/NAME        a result page once release is called (or the client leaves)
//	/status/CODE/NAME that HTTP status, at once
type site struct {
	srv                *httptest.Server
	minDelay, maxDelay time.Duration

	mu       sync.Mutex
	hits     map[string]int // fetches begun, by path
	served   int            // responses written in full
	inflight int
	peak     int           // most requests answered at once
	changed  chan struct{} // closed and replaced on every change
	released chan struct{}
	relOnce  sync.Once
}

func newSite(t *testing.T, minDelay, maxDelay time.Duration) *site {
	t.Helper()
	s := &site{minDelay: minDelay, maxDelay: maxDelay, hits: map[string]int{},
		changed: make(chan struct{}), released: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.release() // held handlers must return before Close can
		s.srv.Close()
	})
	return s
}

func (s *site) url(path string) string { return s.srv.URL + path }

// release lets every held page, present and future, answer.
func (s *site) release() { s.relOnce.Do(func() { close(s.released) }) }

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.update(func() { s.hits[path]++; s.inflight++; s.peak = max(s.peak, s.inflight) })
	defer s.update(func() { s.inflight-- })

	switch {
	case strings.HasPrefix(path, "/status/"):
		code, _ := strconv.Atoi(strings.SplitN(path, "/", 4)[2])
		http.Error(w, http.StatusText(code), code)
		return
	case strings.HasPrefix(path, "/hold/"):
		select {
		case <-s.released:
		case <-r.Context().Done():
			return
		}
	default:
		d := s.minDelay
		if s.maxDelay > s.minDelay {
			d += rand.N(s.maxDelay - s.minDelay)
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if _, err := w.Write(page(path)); err == nil {
		s.update(func() { s.served++ })
	}
}

func (s *site) update(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond, read under the site's lock, holds.
func (s *site) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("site: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// waitServed blocks until n responses were written in full.
func (s *site) waitServed(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d pages served", n), func() bool { return s.served >= n })
}

// waitInFlight blocks until n requests are being answered at once.
func (s *site) waitInFlight(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d requests in flight", n), func() bool { return s.inflight >= n })
}

// peakInFlight is the most requests the site answered at once.
func (s *site) peakInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// fetches returns the fetch count of each path.
func (s *site) fetches(paths []string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, len(paths))
	for i, p := range paths {
		out[i] = s.hits[p]
	}
	return out
}

// dupStats summarises fetch counts: paths never fetched, paths fetched
// more than once, and the extra fetches those made.
func dupStats(counts []int) (never, dupPaths, extra int) {
	for _, n := range counts {
		switch {
		case n == 0:
			never++
		case n > 1:
			dupPaths++
			extra += n - 1
		}
	}
	return never, dupPaths, extra
}

// rankFor is the 1-based position of path's target among the page's
// items: it varies with the path, so a result cannot be right by luck.
func rankFor(path string) int {
	h := fnv.New32a()
	h.Write([]byte(path))
	return int(h.Sum32()%10) + 1
}

func targetFor(path string) string { return "target.example" + path }

// page is a small search-result page: ten items, the path's target at
// rankFor(path).
func page(path string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html><head><title>Page %s</title></head><body><ul>\n", path)
	for i := 1; i <= 10; i++ {
		href := fmt.Sprintf("https://other%d.example/x", i)
		if i == rankFor(path) {
			href = "https://" + targetFor(path)
		}
		fmt.Fprintf(&b, "<li class=\"item\"><a href=\"%s\">result %d</a><p>%s</p></li>\n", href, i, strings.Repeat("lorem ipsum ", 20))
	}
	b.WriteString("</ul></body></html>\n")
	return []byte(b.String())
}

// pagePaths names n pages under prefix.
func pagePaths(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("/p/%s-%d", prefix, i)
	}
	return out
}
