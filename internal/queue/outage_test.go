package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// A Redis that refuses writes (out of memory) fails Complete as a whole:
// no job is acknowledged without its record, and it completes once Redis
// accepts writes again.
func TestCompleteIsAllOrNothingWhenRedisRefusesWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	ids := enqueue(t, e.q, jobs(20, ""))
	ds := readN(t, e.q, "c", 20, time.Second)

	// A limit below what is used makes Redis refuse every write.
	if err := e.rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatalf("config set maxmemory: %v", err)
	}
	err := e.q.Complete(ctx, ds[0], crawler.Result{Status: 200})
	if err == nil || !strings.Contains(err.Error(), "OOM") {
		t.Fatalf("complete on a full Redis: err = %v, want an OOM error", err)
	}
	if st := status(t, e.q, ids[0]); st.State != crawler.StateActive {
		t.Fatalf("after a refused complete the job is %s, want still active (not acknowledged)", st.State)
	}
	if c := counts(t, e.q); c.Active != 20 {
		t.Fatalf("active = %d after refused complete, want 20", c.Active)
	}

	if err := e.rdb.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatalf("config set maxmemory: %v", err)
	}
	for _, d := range ds {
		complete(t, e.q, d, crawler.Result{Status: 200})
	}
	if st := status(t, e.q, ids[0]); st.State != crawler.StateCompleted {
		t.Errorf("job is %s once Redis accepts writes, want completed", st.State)
	}
}

// With Redis gone, every operation returns a wrapped error instead of
// hanging or panicking, and its ctx bounds the wait.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	enqueue(t, e.q, jobs(1, ""))
	d := readN(t, e.q, "c", 1, time.Second)[0]
	e.srv.Kill()

	ops := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"enqueue", func(ctx context.Context) error { _, err := e.q.Enqueue(ctx, jobs(1, "")); return err }},
		{"read", func(ctx context.Context) error { _, err := e.q.Read(ctx, "c", 1, 10*time.Millisecond); return err }},
		{"complete", func(ctx context.Context) error { return e.q.Complete(ctx, d, crawler.Result{}) }},
		{"fail", func(ctx context.Context) error { _, err := e.q.Fail(ctx, d, errors.New("x"), true); return err }},
		{"extend", func(ctx context.Context) error { _, err := e.q.Extend(ctx, "c", []queue.Delivery{d}); return err }},
		{"release", func(ctx context.Context) error { return e.q.Release(ctx, []queue.Delivery{d}) }},
		{"status", func(ctx context.Context) error { _, err := e.q.Status(ctx, d.Job.ID); return err }},
		{"counts", func(ctx context.Context) error { _, err := e.q.Counts(ctx); return err }},
		{"heartbeat", func(ctx context.Context) error { return e.q.Heartbeat(ctx, crawler.WorkerInfo{ID: "w"}, time.Minute) }},
		{"ping", func(ctx context.Context) error { return e.q.Ping(ctx) }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			err := op.run(ctx)
			if err == nil || !strings.HasPrefix(err.Error(), "queue: ") {
				t.Errorf("err = %v, want a wrapped queue error", err)
			}
			// A round already on the wire carries other callers' jobs and
			// ignores one caller's ctx; its own 5s bound applies instead.
			limit := 3 * time.Second
			if op.name == "complete" {
				limit = 8 * time.Second
			}
			if took := time.Since(start); took > limit {
				t.Errorf("took %s, want at most %s", took, limit)
			}
		})
	}
}
