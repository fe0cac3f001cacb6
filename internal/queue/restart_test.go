package queue_test

import (
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

// The queue survives Redis restarting under it: go-redis reconnects, the
// scripts are loaded again, and the group is re-created if Redis lost it.
func TestRedisRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []redistest.Option
		crash    bool // SIGKILL instead of a clean shutdown
		dataKept bool
	}{
		{name: "clean restart keeps the queue", dataKept: true},
		{name: "crash with append-only file keeps the queue", opts: []redistest.Option{redistest.WithAppendOnly()}, crash: true, dataKept: true},
		{name: "crash without persistence starts empty and works", crash: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, queue.Config{Lease: 300 * time.Millisecond, ReclaimEvery: 50 * time.Millisecond}, tt.opts...)
			ids := enqueue(t, e.q, jobs(10, ""))
			ds := readN(t, e.q, "before", 4, time.Second)
			for _, d := range ds[:2] {
				complete(t, e.q, d, crawler.Result{Status: 200})
			}
			// ds[2:] are in flight when Redis goes away; their worker dies too.

			if tt.crash {
				e.srv.Kill()
			}
			e.srv.Restart(t)

			if !tt.dataKept {
				if c := counts(t, e.q); c != (crawler.QueueCounts{}) {
					t.Fatalf("counts after losing everything = %+v, want zeros", c)
				}
				ids = enqueue(t, e.q, jobs(3, ""))
				for _, d := range readN(t, e.q, "after", 3, time.Second) {
					complete(t, e.q, d, crawler.Result{Status: 200})
				}
				for _, id := range ids {
					if st := status(t, e.q, id); st.State != crawler.StateCompleted {
						t.Errorf("job %s is %s after restart, want completed", id, st.State)
					}
				}
				return
			}

			if c := counts(t, e.q); c.Waiting != 6 || c.Active != 2 {
				t.Fatalf("counts after restart = %+v, want 6 waiting and 2 active", c)
			}
			// The 6 waiting, then the 2 orphans once their lease runs out.
			for _, d := range readN(t, e.q, "after", 8, 3*time.Second) {
				complete(t, e.q, d, crawler.Result{Status: 200})
			}
			for _, id := range ids {
				if st := status(t, e.q, id); st.State != crawler.StateCompleted {
					t.Errorf("job %s is %s, want completed", id, st.State)
				}
			}
		})
	}
}
