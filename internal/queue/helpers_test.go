package queue_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

// env is one test's queue on its own redis-server.
type env struct {
	srv *redistest.Server
	rdb *redis.Client
	q   *queue.Queue
}

func newEnv(t *testing.T, cfg queue.Config, opts ...redistest.Option) env {
	t.Helper()
	srv := redistest.Start(t, opts...)
	rdb := srv.Client()
	if cfg.Keys == "" {
		cfg.Keys = keyspace.Keys(strings.ReplaceAll(t.Name(), "/", "_"))
	}
	return env{srv: srv, rdb: rdb, q: queue.New(rdb, cfg)}
}

func jobs(n int, schedule string) []queue.EnqueueRequest {
	reqs := make([]queue.EnqueueRequest, n)
	for i := range reqs {
		reqs[i].Job = crawler.Job{URL: fmt.Sprintf("https://example.com/%d", i), Method: crawler.MethodHTTP, Schedule: schedule}
	}
	return reqs
}

func enqueue(t *testing.T, q *queue.Queue, reqs []queue.EnqueueRequest) []string {
	t.Helper()
	ids, err := q.Enqueue(context.Background(), reqs)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if len(ids) != len(reqs) {
		t.Fatalf("enqueue: %d ids for %d jobs", len(ids), len(reqs))
	}
	return ids
}

// readN reads until it has n deliveries or the deadline passes.
func readN(t *testing.T, q *queue.Queue, consumer string, n int, within time.Duration) []queue.Delivery {
	t.Helper()
	var got []queue.Delivery
	deadline := time.Now().Add(within)
	for len(got) < n && time.Now().Before(deadline) {
		ds, err := q.Read(context.Background(), consumer, n-len(got), 100*time.Millisecond)
		if err != nil {
			t.Fatalf("read %s: %v", consumer, err)
		}
		got = append(got, ds...)
	}
	if len(got) != n {
		t.Fatalf("read %s: got %d deliveries within %s, want %d", consumer, len(got), within, n)
	}
	return got
}

func status(t *testing.T, q *queue.Queue, id string) crawler.Status {
	t.Helper()
	st, err := q.Status(context.Background(), id)
	if err != nil {
		t.Fatalf("status %s: %v", id, err)
	}
	return st
}

func counts(t *testing.T, q *queue.Queue) crawler.QueueCounts {
	t.Helper()
	c, err := q.Counts(context.Background())
	if err != nil {
		t.Fatalf("counts: %v", err)
	}
	return c
}

func complete(t *testing.T, q *queue.Queue, d queue.Delivery, r crawler.Result) {
	t.Helper()
	if err := q.Complete(context.Background(), d, r); err != nil {
		t.Fatalf("complete %s: %v", d.Job.ID, err)
	}
}

// keepLease extends consumer's delivery every lease/3, as a worker's lease
// keeper does, until the returned stop is called. check, unless nil, sees
// each extend's outcome; each extend may take up to lease/3.
func keepLease(q *queue.Queue, lease time.Duration, consumer string, d queue.Delivery, check func(lost []queue.Delivery, err error)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), lease/3)
				lost, err := q.Extend(ctx, consumer, []queue.Delivery{d})
				cancel()
				if check != nil {
					check(lost, err)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
