package worker_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/worker"
)

// gatedQueue holds every Complete until gate closes.
type gatedQueue struct {
	*queue.Queue
	gate    chan struct{}
	waiting atomic.Int64
}

func (g *gatedQueue) Complete(ctx context.Context, d queue.Delivery, res crawler.Result) error {
	g.waiting.Add(1)
	<-g.gate
	return g.Queue.Complete(ctx, d, res)
}

// A job's slot frees when its fetch ends, so the next job fetches while
// the outcome is being stored; but no more outcomes wait for Redis than
// there are slots, so a stalled Redis stops intake.
func TestOutcomeStoredOffTheSlotWithinABound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	var fetches atomic.Int64
	s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<title>x</title>"))
	}))
	q := &gatedQueue{Queue: e.q, gate: make(chan struct{})}
	deps := e.deps()
	deps.Queue = q
	ids := enqueue(t, e.q, pages(s.URL+"/x", 0, 4)...)
	_, stop := start(t, worker.Config{Concurrency: 1}, deps)

	// One slot: the first job's outcome waits, the second job fetches and
	// its outcome cannot join the wait, so it keeps the slot.
	waitFor(t, "two fetches, the first outcome waiting", 5*time.Second, func() bool {
		return fetches.Load() == 2 && q.waiting.Load() == 1
	})
	time.Sleep(300 * time.Millisecond)
	if f, w := fetches.Load(), q.waiting.Load(); f != 2 || w != 1 {
		t.Fatalf("with one slot and Redis stalled: %d fetches and %d outcomes waiting, want 2 and 1", f, w)
	}
	close(q.gate)
	for id, st := range waitStates(t, e.q, ids, 10*time.Second) {
		if st.State != crawler.StateCompleted {
			t.Errorf("job %s: %+v, want completed", id, st)
		}
	}
	if f := fetches.Load(); f != 4 {
		t.Errorf("site saw %d fetches, want 4", f)
	}
	stop()
}

// idleCounter counts the worker's requests to drop idle connections.
type idleCounter struct {
	*httpfetch.Fetcher
	closes atomic.Int64
}

func (c *idleCounter) CloseIdleConnections() {
	c.closes.Add(1)
	c.Fetcher.CloseIdleConnections()
}

// A worker that goes idle after a burst lets go of the burst's
// connections once; one that never worked, or stays idle, does nothing.
func TestIdleAfterBurstDropsConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	s := site(t, nil)
	fetcher := &idleCounter{Fetcher: e.http}
	deps := e.deps()
	deps.Jobs = pipelineOf(t, fetcher)
	_, stop := start(t, worker.Config{Concurrency: 4}, deps)

	time.Sleep(2500 * time.Millisecond) // more than two empty reads
	if n := fetcher.closes.Load(); n != 0 {
		t.Fatalf("idle before any job: %d closes, want 0", n)
	}
	ids := enqueue(t, e.q, pages(s.URL, 0, 8)...)
	waitStates(t, e.q, ids, 10*time.Second)
	waitFor(t, "idle connections dropped after the burst", 5*time.Second, func() bool { return fetcher.closes.Load() >= 1 })
	time.Sleep(2500 * time.Millisecond)
	if n := fetcher.closes.Load(); n != 1 {
		t.Errorf("after one burst and a long idle: %d closes, want 1", n)
	}
	stop()
}

// A worker stopped in the middle of a burst of short jobs, while it reads
// ahead of its slots, holds nothing afterwards: what it read and did not
// start is back in the stream, and the next worker finishes the lot.
func TestStopGivesBackJobsReadAhead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	// 10 ms a page on 8 slots: 800 jobs/s, which keeps two read ahead.
	s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(10 * time.Millisecond)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<title>x</title>"))
	}))
	jobs := make([]crawler.Job, 1000)
	for i := range jobs {
		jobs[i] = crawler.Job{URL: s.URL + "/slow", Method: crawler.MethodHTTP}
	}
	ids := enqueue(t, e.q, jobs...)
	_, stop := start(t, worker.Config{Concurrency: 8}, e.deps())
	waitFor(t, "a few hundred jobs done", 20*time.Second, func() bool {
		c := counts(t, e.q)
		return c.Waiting+c.Active < int64(len(ids))-200
	})
	stop()
	if c := counts(t, e.q); c.Active != 0 || c.Waiting == 0 || c.Failed != 0 || c.Delayed != 0 {
		t.Fatalf("after stopping mid-burst: %+v; want nothing active, some waiting, none failed", c)
	}
	_, stop = start(t, worker.Config{Concurrency: 32}, e.deps())
	for id, st := range waitStates(t, e.q, ids, 30*time.Second) {
		if st.State != crawler.StateCompleted || st.Attempts != 1 {
			t.Errorf("job %s: %+v, want completed at the first attempt", id, st)
		}
	}
	stop()
}
