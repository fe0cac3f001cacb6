package worker

import (
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

func deliveries(ids ...string) []queue.Delivery {
	ds := make([]queue.Delivery, len(ids))
	for i, id := range ids {
		ds[i] = queue.Delivery{Job: crawler.Job{ID: id}, StreamID: id}
	}
	return ds
}

// The reader holds what the slots start within aheadFor at their recent
// pace, up to a quarter of the slots, and nothing for slow jobs.
func TestReadAheadFollowsPace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		concurrency int
		jobs        int           // read over
		over        time.Duration // this span
		want        int
	}{
		{name: "1,600 jobs/s on 32 slots", concurrency: 32, jobs: 160, over: 100 * time.Millisecond, want: 8},
		{name: "capped at a quarter of the slots", concurrency: 32, jobs: 2000, over: 100 * time.Millisecond, want: 8},
		{name: "400 jobs/s", concurrency: 32, jobs: 40, over: 100 * time.Millisecond, want: 4},
		{name: "jobs of seconds", concurrency: 32, jobs: 10, over: time.Second, want: 0},
		{name: "one slot holds one at most", concurrency: 1, jobs: 1000, over: 100 * time.Millisecond, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newReadAhead(tt.concurrency, 30*time.Second)
			begin := time.Now()
			a.paced(0, begin)
			a.paced(tt.jobs, begin.Add(tt.over))
			if a.depth != tt.want {
				t.Errorf("depth = %d, want %d", a.depth, tt.want)
			}
			if (a.wake() == nil) != (tt.want == 0) {
				t.Errorf("wake channel = %v with depth %d: want one exactly when reading ahead", a.wake(), a.depth)
			}
		})
	}
}

// Refills come a few at a time unless the reader reads anyway.
func TestReadAheadRoom(t *testing.T) {
	t.Parallel()
	a := newReadAhead(32, 30*time.Second)
	a.depth = 8
	if r := a.room(false); r != 8 {
		t.Fatalf("empty: room %d, want 8", r)
	}
	a.put(deliveries("1", "2", "3", "4", "5", "6", "7"), time.Now())
	if r := a.room(false); r != 0 {
		t.Errorf("one short of 8, not reading anyway: room %d, want 0", r)
	}
	if r := a.room(true); r != 1 {
		t.Errorf("one short of 8, reading anyway: room %d, want 1", r)
	}
	a.take()
	if r := a.room(false); r != 2 {
		t.Errorf("two short of 8: room %d, want 2", r)
	}
}

// A delivery that waited past a third of a lease is handed back, not run:
// housekeeping never extended its lease.
func TestReadAheadSkipsStale(t *testing.T) {
	t.Parallel()
	a := newReadAhead(32, 3*time.Second)
	a.put(deliveries("old"), time.Now().Add(-2*time.Second))
	a.put(deliveries("new"), time.Now())
	d, stale, ok := a.take()
	if !ok || d.Job.ID != "new" || len(stale) != 1 || stale[0].Job.ID != "old" {
		t.Fatalf("take = %q, stale %v, %v; want new, stale [old]", d.Job.ID, stale, ok)
	}
	if _, stale, ok := a.take(); ok || len(stale) != 0 {
		t.Errorf("take from empty = %v, stale %v; want nothing", ok, stale)
	}
	a.put(deliveries("a", "b"), time.Now().Add(-time.Hour))
	if ds := a.drain(); len(ds) != 2 {
		t.Errorf("drain = %v, want both, stale or not", ds)
	}
}
