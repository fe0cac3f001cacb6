package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/publisher"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

// TestGaugesFollowRedis builds a known queue state, checks the gauges
// report it, then takes Redis away and brings it back.
func TestGaugesFollowRedis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	q := queue.New(srv.Client(), queue.Config{Keys: keyspace.Keys(t.Name()), BackoffBase: time.Hour, BackoffMax: time.Hour, MaxAttempts: 3})
	reqs := make([]queue.EnqueueRequest, 10)
	for i := range reqs {
		reqs[i].Job = crawler.Job{URL: fmt.Sprintf("https://example.com/%d", i), Method: crawler.MethodHTTP}
	}
	if _, err := q.Enqueue(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // the oldest waiting job has an age
	ds, err := q.Read(ctx, "w1", 6, 0)
	if err != nil || len(ds) != 6 {
		t.Fatalf("read: %d, %v", len(ds), err)
	}
	// Of 6 read: 2 delayed for an hour, 1 failed for good, 3 still active.
	for i, d := range ds[:3] {
		if _, err := q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP5xx, "503"), i < 2); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"w1", "w2"} {
		if err := q.Heartbeat(ctx, crawler.WorkerInfo{ID: id}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}

	r, mp := newReader(t)
	p, err := publisher.New(publisher.Config{Interval: 50 * time.Millisecond}, q, mp, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if v := collect(t, r); len(v.gauges) != 0 {
		t.Fatalf("gauges before the first read = %v, want none", v.gauges)
	}
	stop := run(t, p)

	eventually(t, "gauges", 5*time.Second, func() bool { return len(collect(t, r).gauges) == queueGauges })
	v := collect(t, r)
	want := map[string]float64{
		metrics.QueueWaiting.Name: 4, metrics.QueueActive.Name: 3, metrics.QueueDelayed.Name: 2,
		metrics.QueueFailed.Name: 1, metrics.QueueWorkers.Name: 2, metrics.QueueBacklogPerWorker.Name: 2,
	}
	for name, w := range want {
		if v.gauges[name] != w {
			t.Errorf("%s = %v, want %v", name, v.gauges[name], w)
		}
	}
	if age := v.gauges[metrics.QueueOldestAge.Name]; age < 0.02 || age > 60 {
		t.Errorf("oldest job age = %vs, want at least 0.02s", age)
	}
	if v.gauges[metrics.QueuePaused.Name] != 0 {
		t.Errorf("paused = %v before any pause, want 0", v.gauges[metrics.QueuePaused.Name])
	}
	if _, err := q.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "paused gauge 1", 5*time.Second, func() bool { return collect(t, r).gauges[metrics.QueuePaused.Name] == 1 })
	if _, err := q.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "paused gauge 0", 5*time.Second, func() bool { return collect(t, r).gauges[metrics.QueuePaused.Name] == 0 })

	srv.Kill()
	eventually(t, "a counted read failure and no gauges", 10*time.Second, func() bool {
		v := collect(t, r)
		return v.readErrors > 0 && len(v.gauges) == 0
	})
	srv.Restart(t) // after a crash: an empty Redis, and the gauges say so
	eventually(t, "gauges back", 10*time.Second, func() bool {
		v := collect(t, r)
		return len(v.gauges) == queueGauges && v.gauges[metrics.QueueWaiting.Name] == 0
	})
	stop()
}

// fakeCounter answers Counts from a function.
type fakeCounter struct {
	mu     sync.Mutex
	counts func(ctx context.Context) (crawler.QueueCounts, error)
}

func (f *fakeCounter) Counts(ctx context.Context) (crawler.QueueCounts, error) {
	f.mu.Lock()
	fn := f.counts
	f.mu.Unlock()
	return fn(ctx)
}

func (f *fakeCounter) set(fn func(ctx context.Context) (crawler.QueueCounts, error)) {
	f.mu.Lock()
	f.counts = fn
	f.mu.Unlock()
}

func TestStaleCountsWithheld(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		after func(ctx context.Context) (crawler.QueueCounts, error)
	}{
		{name: "read fails", after: func(context.Context) (crawler.QueueCounts, error) {
			return crawler.QueueCounts{}, errors.New("redis down")
		}},
		{name: "read hangs", after: func(ctx context.Context) (crawler.QueueCounts, error) {
			<-ctx.Done()
			return crawler.QueueCounts{}, ctx.Err()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			good := crawler.QueueCounts{Waiting: 9, Workers: 0, Active: 1}
			fc := &fakeCounter{counts: func(context.Context) (crawler.QueueCounts, error) { return good, nil }}
			r, mp := newReader(t)
			p, err := publisher.New(publisher.Config{Interval: 30 * time.Millisecond}, fc, mp, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Close() })
			run(t, p)
			eventually(t, "gauges", 5*time.Second, func() bool { return len(collect(t, r).gauges) == queueGauges })
			if got := collect(t, r).gauges[metrics.QueueBacklogPerWorker.Name]; got != 9 {
				t.Errorf("backlog per worker with no live worker = %v, want the whole backlog 9", got)
			}
			fc.set(tt.after)
			eventually(t, "gauges withheld", 5*time.Second, func() bool { return len(collect(t, r).gauges) == 0 })
			fc.set(func(context.Context) (crawler.QueueCounts, error) {
				return crawler.QueueCounts{Waiting: 4, Workers: 2}, nil
			})
			eventually(t, "gauges back", 5*time.Second, func() bool {
				return math.Abs(collect(t, r).gauges[metrics.QueueBacklogPerWorker.Name]-2) < 1e-9
			})
		})
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	fc := &fakeCounter{counts: func(context.Context) (crawler.QueueCounts, error) { return crawler.QueueCounts{Waiting: 1}, nil }}
	r, mp := newReader(t)
	if _, err := publisher.New(publisher.Config{Interval: -time.Second}, fc, mp, nil); !errors.Is(err, publisher.ErrInvalidConfig) {
		t.Errorf("New with a negative interval = %v, want ErrInvalidConfig", err)
	}
	if _, err := publisher.New(publisher.Config{}, nil, mp, nil); !errors.Is(err, publisher.ErrInvalidConfig) {
		t.Errorf("New without a queue = %v, want ErrInvalidConfig", err)
	}
	p, err := publisher.New(publisher.Config{}, fc, mp, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The first read happens at once, not after the 60s default interval.
	stop := run(t, p)
	eventually(t, "first read", 5*time.Second, func() bool { return len(collect(t, r).gauges) == queueGauges })
	stop()
	if err := p.Run(context.Background()); !errors.Is(err, publisher.ErrAlreadyRun) {
		t.Errorf("second Run = %v, want ErrAlreadyRun", err)
	}
	for range 2 {
		if err := p.Close(); err != nil {
			t.Errorf("Close = %v, want nil (twice)", err)
		}
	}
	if v := collect(t, r); len(v.gauges) != 0 {
		t.Errorf("gauges after Close = %v, want none", v.gauges)
	}
}
