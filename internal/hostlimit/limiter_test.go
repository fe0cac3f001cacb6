package hostlimit_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/hostlimit"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}

// countingFallback is an unlimited fallback that counts its uses.
type countingFallback struct{ used atomic.Int64 }

func (c *countingFallback) Acquire(ctx context.Context, host string) (func(), error) {
	c.used.Add(1)
	return func() {}, nil
}

// workers are n limiters sharing one Redis, as n worker processes do.
func workers(t *testing.T, srv *redistest.Server, n int, cfg hostlimit.Config) []*hostlimit.Shared {
	t.Helper()
	cfg.Keys = keyspace.Keys(strings.ReplaceAll(t.Name(), "/", "_"))
	if cfg.Fallback == nil {
		cfg.Fallback = &countingFallback{}
	}
	if cfg.Lease == 0 {
		cfg.Lease = 10 * time.Second
	}
	out := make([]*hostlimit.Shared, n)
	for i := range out {
		cfg.Owner = "w" + string(rune('a'+i))
		l, err := hostlimit.New(srv.Client(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = l
	}
	return out
}

func TestConcurrencyHoldsAcrossWorkers(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ls := workers(t, srv, 3, hostlimit.Config{Concurrency: 3})
	var inFlight, peak, other atomic.Int64
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			l := ls[i%len(ls)]
			host := "busy.example"
			if i%10 == 0 {
				host = "other.example" // a host of its own is never held up
			}
			release, err := l.Acquire(t.Context(), host)
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			if host != "busy.example" {
				other.Add(1)
				return
			}
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(30 * time.Millisecond)
			inFlight.Add(-1)
		})
	}
	wg.Wait()
	if p := peak.Load(); p != 3 {
		t.Errorf("peak requests in flight to one host across 3 workers = %d, want 3", p)
	}
	if o := other.Load(); o != 3 {
		t.Errorf("%d requests to the other host, want 3", o)
	}
}

func TestGapHoldsAcrossWorkers(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const gap = 100 * time.Millisecond
	ls := workers(t, srv, 2, hostlimit.Config{Concurrency: 10, Gap: gap})
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range 6 {
		wg.Go(func() {
			release, err := ls[i%2].Acquire(t.Context(), "slow.example")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
			release()
		})
	}
	wg.Wait()
	// Six starts gap apart span five gaps. Measured here, a start can only
	// look later than Redis allowed it, never earlier, so the span is a
	// bound that load cannot break (Redis keeps whole milliseconds).
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	if span := starts[len(starts)-1].Sub(begin); span < 5*gap-5*time.Millisecond {
		t.Errorf("6 starts across 2 workers within %s, want at least 5 gaps (%s)", span, 5*gap)
	}
}

func TestDeadHolderFreesItsPlaceAfterTheLease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const lease = time.Second
	ls := workers(t, srv, 2, hostlimit.Config{Concurrency: 1, Lease: lease})
	if _, err := ls[0].Acquire(t.Context(), "h.example"); err != nil { // never released: the holder died
		t.Fatal(err)
	}
	begin := time.Now()
	release, err := ls[1].Acquire(t.Context(), "h.example")
	if err != nil {
		t.Fatal(err)
	}
	release()
	// Not at once (the place was taken), not never (the lease ends it);
	// the margins absorb a loaded machine.
	if took := time.Since(begin); took < lease/2 || took > lease+3*time.Second {
		t.Errorf("place freed %s after the dead holder took it, want about the lease %s", took, lease)
	}
}

func TestReleaseFreesAtOnceAndWaitingEndsWithContext(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ls := workers(t, srv, 1, hostlimit.Config{Concurrency: 1})
	release, err := ls[0].Acquire(t.Context(), "h.example")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	if _, err := ls[0].Acquire(ctx, "h.example"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire on a full host until the deadline = %v, want DeadlineExceeded", err)
	}
	release()
	release() // twice is harmless
	begin := time.Now()
	r2, err := ls[0].Acquire(t.Context(), "h.example")
	if err != nil {
		t.Fatal(err)
	}
	r2()
	if took := time.Since(begin); took > 2*time.Second { // a leaked place would hold it for the 10 s lease
		t.Errorf("acquire after release took %s: the cancelled waiter or the release left a place taken", took)
	}
}

func TestRedisDownFallsBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	fb := &countingFallback{}
	ls := workers(t, srv, 1, hostlimit.Config{Concurrency: 1, Fallback: fb})
	srv.Kill()
	release, err := ls[0].Acquire(t.Context(), "h.example")
	if err != nil {
		t.Fatalf("acquire with Redis down = %v, want the fallback's place", err)
	}
	release()
	if n := fb.used.Load(); n != 1 {
		t.Errorf("fallback used %d times, want 1", n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	fb := fetch.NewHostLimiter(2, 0)
	for _, cfg := range []hostlimit.Config{
		{Concurrency: 0, Lease: time.Minute, Fallback: fb},
		{Concurrency: 1, Gap: -time.Second, Lease: time.Minute, Fallback: fb},
		{Concurrency: 1, Lease: time.Millisecond, Fallback: fb},
		{Concurrency: 1, Lease: time.Minute},
	} {
		if _, err := hostlimit.New(srv.Client(), cfg, nil); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		}
	}
}
