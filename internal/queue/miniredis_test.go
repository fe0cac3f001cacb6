package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// The development mode runs on an embedded miniredis; the queue's whole
// life cycle must work there too. The real server stays the reference for
// everything else.
func TestLifecycleOnMiniredis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	q := queue.New(rdb, queue.Config{
		Lease: 200 * time.Millisecond, ReclaimEvery: 10 * time.Millisecond, PromoteEvery: 10 * time.Millisecond,
		BackoffBase: time.Millisecond, BackoffMax: time.Millisecond,
	})
	ids := enqueue(t, q, []queue.EnqueueRequest{
		{Job: crawler.Job{URL: "https://a.example", Schedule: "s"}, IdempotencyKey: "k"},
		{Job: crawler.Job{URL: "https://b.example"}},
		{Job: crawler.Job{URL: "https://a.example", Schedule: "s"}, IdempotencyKey: "k"},
	})
	if ids[2] != ids[0] {
		t.Errorf("idempotent repeat got %s, want %s", ids[2], ids[0])
	}
	if err := q.Heartbeat(ctx, crawler.WorkerInfo{ID: "w"}, time.Minute); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	if c := counts(t, q); c.Waiting != 2 || c.Workers != 1 {
		t.Errorf("counts = %+v, want 2 waiting, 1 worker", c)
	}

	first := readN(t, q, "c", 1, time.Second)[0]
	if st := status(t, q, first.Job.ID); st.State != crawler.StateActive {
		t.Errorf("status = %s, want active", st.State)
	}
	if st, err := q.Fail(ctx, first, crawler.Errorf(crawler.ErrTimeout, "slow"), true); err != nil || st != crawler.StateDelayed {
		t.Fatalf("fail = %s, %v; want delayed", st, err)
	}
	// The retry is promoted; the other job dies with its consumer and is reclaimed.
	abandoned := readN(t, q, "dies", 1, time.Second)[0]
	retry := readN(t, q, "c", 1, time.Second)[0]
	if retry.Job.ID != first.Job.ID || retry.Attempt != 2 {
		t.Fatalf("retry = %+v, want job %s attempt 2", retry, first.Job.ID)
	}
	complete(t, q, retry, crawler.Result{Status: 200})
	rescued := readN(t, q, "c", 1, 2*time.Second)[0]
	if rescued.Job.ID != abandoned.Job.ID {
		t.Fatalf("reclaimed %s, want %s", rescued.Job.ID, abandoned.Job.ID)
	}
	complete(t, q, rescued, crawler.Result{Status: 200})

	for _, id := range ids[:2] {
		if st := status(t, q, id); st.State != crawler.StateCompleted {
			t.Errorf("job %s is %s, want completed", id, st.State)
		}
	}
	if c := counts(t, q); c != (crawler.QueueCounts{Workers: 1}) {
		t.Errorf("final counts = %+v, want only the worker", c)
	}
	if res, err := schedule.NewStore(rdb, q.Config().Keys).Results(ctx, "s", 5); err != nil || len(res) != 1 || res[0].Attempts != 2 {
		t.Errorf("schedule results = %+v, %v; want one result after 2 attempts", res, err)
	}
}
