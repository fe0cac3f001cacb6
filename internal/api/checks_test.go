package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/rank"
)

// countingChecks are a request's checks that count their selector
// compiles, calling after (when not nil) after each.
func countingChecks(compiles *int, after func()) *checks {
	c := newChecks(netguard.Policy{})
	c.compile = func(sel string) error {
		*compiles++
		if after != nil {
			after()
		}
		return rank.ValidateSelector(sel)
	}
	return c
}

// batchOf is a full batch whose job i has selector sel(i).
func batchOf(n int, sel func(i int) string) *createJobsRequest {
	req := &createJobsRequest{Jobs: make([]jobInput, n)}
	for i := range req.Jobs {
		req.Jobs[i] = jobInput{URL: "https://example.com/" + strconv.Itoa(i), Rank: &crawler.RankSpec{Selector: sel(i), Match: "x"}}
	}
	return req
}

// TestSelectorCompiledOnce: the jobs of a batch that share a selector cost
// one compile between them, and each still gets the verdict.
func TestSelectorCompiledOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sel      func(i int) string
		compiles int
		invalid  int // jobs whose selector is refused
	}{
		{"one selector", func(int) string { return "li.r a" }, 1, 0},
		{"two, alternating", func(i int) string { return []string{"li.r a", "div > h3"}[i%2] }, 2, 0},
		{"one refused", func(int) string { return ":is(a)" }, 1, queue.MaxBatch},
		{"one refused in every ten", func(i int) string { return []string{":is(a)", "li"}[min(i%10, 1)] }, 2, queue.MaxBatch / 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var compiles int
			c := countingChecks(&compiles, nil)
			_, err := batchOf(queue.MaxBatch, tt.sel).validate(context.Background(), c, queue.MaxBatch)
			if compiles != tt.compiles {
				t.Errorf("%d compiles for %d jobs, want %d", compiles, queue.MaxBatch, tt.compiles)
			}
			if got := len(c.fields) + c.extra; got != tt.invalid || (tt.invalid == 0) != (err == nil) {
				t.Errorf("%d jobs refused (%v), want %d", got, err, tt.invalid)
			}
		})
	}
}

// TestChecksStopWithContext: a batch stops being checked soon after its
// request's context ends, with a 503 the client would see were it still
// there.
func TestChecksStopWithContext(t *testing.T) {
	t.Parallel()
	const cancelAt = 10 // compiles
	distinct := func(i int) string { return "li.r" + strconv.Itoa(i) }
	for _, early := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		var compiles int
		var after func()
		if early {
			cancel()
		} else {
			after = func() {
				if compiles == cancelAt {
					cancel()
				}
			}
		}
		_, err := batchOf(queue.MaxBatch, distinct).validate(ctx, countingChecks(&compiles, after), queue.MaxBatch)
		cancel()
		want := cancelAt
		if early {
			want = 0
		}
		var e *Error
		if !errors.As(err, &e) || statusOf(e.Code) != http.StatusServiceUnavailable || compiles != want {
			t.Errorf("cancelled after %d compiles: %v after %d compiles of %d; want a 503 after %d", want, err, compiles, queue.MaxBatch, want)
		}
	}
}

// TestRequestContextEndsAtWriteDeadline: a handler's context ends when its
// answer could no longer be written.
func TestRequestContextEndsAtWriteDeadline(t *testing.T) {
	t.Parallel()
	const writeTimeout = 300 * time.Millisecond
	ended := make(chan time.Duration, 1)
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		<-r.Context().Done()
		ended <- time.Since(start)
	}), ServerConfig{WriteTimeout: writeTimeout}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		_ = srv.Shutdown(context.Background())
		<-done
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: api\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case took := <-ended:
		if took < writeTimeout-50*time.Millisecond || took > writeTimeout+time.Second {
			t.Errorf("context ended after %s, want at the write timeout, %s", took, writeTimeout)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("context still going 5s after the write timeout of %s", writeTimeout)
	}
}
