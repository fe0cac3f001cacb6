package queue_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// A consumer that dies loses its job to another after Lease, while a
// consumer that keeps extending its lease keeps its job: it is never run
// twice.
func TestDeadConsumerIsReclaimedLiveOneKeepsItsJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const lease, reclaimEvery, promoteEvery = 500 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond
	e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: reclaimEvery, PromoteEvery: promoteEvery})
	ids := enqueue(t, e.q, jobs(2, ""))
	// Taken before the read: Redis counts the lease from the delivery,
	// which comes after this (measured after the read, the job could come
	// back a fraction of a millisecond "early").
	diedAt := time.Now()
	dead := readN(t, e.q, "dead", 1, time.Second)[0]
	slow := readN(t, e.q, "slow", 1, time.Second)[0]

	stopKeeping := keepLease(e.q, lease, "slow", slow, func(lost []queue.Delivery, err error) {
		if err != nil || len(lost) != 0 {
			t.Errorf("extend: lost %v, err %v", lost, err)
		}
	})

	start := time.Now()
	var got []queue.Delivery
	var recovered time.Duration
	for time.Since(start) < 4*lease {
		ds, err := e.q.Read(ctx, "rescuer", 10, time.Second)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if len(ds) > 0 && recovered == 0 {
			recovered = time.Since(diedAt)
		}
		got = append(got, ds...)
		// The rescuer is a live worker too: it keeps what it took.
		if _, err := e.q.Extend(ctx, "rescuer", got); err != nil {
			t.Fatalf("rescuer extend: %v", err)
		}
	}
	stopKeeping()

	// The dead consumer's run counts: the rescuer's is the next attempt.
	if len(got) != 1 || got[0].Job.ID != ids[0] || got[0].Attempt != dead.Attempt+1 || got[0].StreamID != dead.StreamID {
		t.Fatalf("rescuer got %+v, want only the dead consumer's job %s at attempt %d", got, ids[0], dead.Attempt+1)
	}
	if st := status(t, e.q, ids[0]); st.State != crawler.StateActive || st.Attempts != 2 {
		t.Errorf("status of the rescued job = %s, %d attempts; want active, 2", st.State, st.Attempts)
	}
	complete(t, e.q, got[0], crawler.Result{})
	if st := status(t, e.q, ids[0]); st.State != crawler.StateCompleted || st.Attempts != 2 {
		t.Errorf("status after the rescuer completed it = %s, %d attempts; want completed, 2", st.State, st.Attempts)
	}
	// The documented bound, with some slack for a loaded machine.
	if bound := lease + reclaimEvery + promoteEvery + 100*time.Millisecond; recovered < lease || recovered > bound {
		t.Errorf("job recovered %s after its worker died, want between %s and %s", recovered, lease, bound)
	}
	if lost, err := e.q.Extend(ctx, "dead", []queue.Delivery{dead}); err != nil || len(lost) != 1 {
		t.Errorf("dead consumer's extend: lost %v, err %v; want its delivery reported lost", lost, err)
	}
	if _, err := e.q.Fail(ctx, dead, errors.New("late"), true); !errors.Is(err, queue.ErrLeaseLost) {
		t.Errorf("late Fail by the dead consumer: err = %v, want ErrLeaseLost", err)
	}
	// The rescuer completed it above; a second Complete no longer holds it.
	if err := e.q.Complete(ctx, got[0], crawler.Result{Status: 200}); !errors.Is(err, queue.ErrLeaseLost) {
		t.Errorf("second Complete of one delivery: %v, want ErrLeaseLost", err)
	}
	complete(t, e.q, slow, crawler.Result{Status: 200})
	for _, id := range ids {
		if st := status(t, e.q, id); st.State != crawler.StateCompleted {
			t.Errorf("job %s is %s, want completed", id, st.State)
		}
	}
}

func TestPoisonJobIsParkedAfterMaxDeliveries(t *testing.T) {
	t.Parallel()
	const lease = 200 * time.Millisecond
	e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: 20 * time.Millisecond, MaxDeliveries: 2})
	ids := enqueue(t, e.q, jobs(1, "nightly"))

	// Two workers in turn take the job and die with it.
	first := readN(t, e.q, "w1", 1, time.Second)[0]
	second := readN(t, e.q, "w2", 1, 3*lease)[0]
	if second.StreamID != first.StreamID || second.Attempt != 2 {
		t.Fatalf("second delivery = %+v, want the same entry as %+v at attempt 2", second, first)
	}
	// The third reader finds it at its limit and parks it.
	deadline := time.Now().Add(3 * lease)
	for time.Now().Before(deadline) {
		ds, err := e.q.Read(context.Background(), "w3", 1, 20*time.Millisecond)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if len(ds) > 0 {
			t.Fatalf("poison job delivered a third time: %+v", ds)
		}
	}
	st := status(t, e.q, ids[0])
	if st.State != crawler.StateFailed || st.Attempts != 2 || st.Error == nil || st.Error.Type != crawler.ErrInternal || !strings.Contains(st.Error.Message, "2 times") {
		t.Errorf("status = %+v (error %+v), want failed after 2 attempts, internal, delivered 2 times", st, st.Error)
	}
	if c := counts(t, e.q); c != (crawler.QueueCounts{Failed: 1}) {
		t.Errorf("counts = %+v, want only 1 failed", c)
	}
	res, err := schedule.NewStore(e.rdb, e.q.Config().Keys).Results(context.Background(), "nightly", 5)
	if err != nil || len(res) != 1 || res[0].ID != ids[0] || res[0].State != crawler.StateFailed || res[0].Attempts != 2 || res[0].Finished.IsZero() {
		t.Errorf("schedule results = %+v, %v; want the parked job", res, err)
	}
}

// At least once: with workers crashing mid-way, every job still completes.
func TestNoJobIsLostWhenWorkersDie(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{Lease: 300 * time.Millisecond, ReclaimEvery: 50 * time.Millisecond})
	const n = 2000
	ids := enqueue(t, e.q, jobs(n, ""))

	// Each "crashing" worker takes a few jobs and vanishes without a word.
	for _, c := range []string{"crash-1", "crash-2", "crash-3"} {
		readN(t, e.q, c, 7, time.Second)
	}
	var (
		mu   sync.Mutex
		done = map[string]int{}
		wg   sync.WaitGroup
	)
	for w := range 3 {
		wg.Go(func() {
			consumer := "live-" + string(rune('a'+w))
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				mu.Lock()
				finished := len(done) == n
				mu.Unlock()
				if finished {
					return
				}
				ds, err := e.q.Read(ctx, consumer, 50, 50*time.Millisecond)
				if err != nil {
					t.Errorf("read: %v", err)
					return
				}
				for _, d := range ds {
					if err := e.q.Complete(ctx, d, crawler.Result{Status: 200}); err != nil {
						t.Errorf("complete: %v", err)
						return
					}
					mu.Lock()
					done[d.Job.ID]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(done) != n {
		t.Fatalf("%d of %d jobs completed", len(done), n)
	}
	for _, id := range []string{ids[0], ids[n/2], ids[n-1]} {
		if st := status(t, e.q, id); st.State != crawler.StateCompleted {
			t.Errorf("job %s is %s", id, st.State)
		}
	}
	if c := counts(t, e.q); c != (crawler.QueueCounts{}) {
		t.Errorf("counts at the end = %+v, want zeros", c)
	}
}
