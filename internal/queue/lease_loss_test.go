package queue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

// TestCompleteNeedsTheLease: a worker that finishes after its delivery went
// elsewhere changes nothing and learns ErrLeaseLost, as Fail does.
func TestCompleteNeedsTheLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const lease = 200 * time.Millisecond

	t.Run("reclaimed and failed by another worker", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: 20 * time.Millisecond, PromoteEvery: time.Hour})
		ids := enqueue(t, e.q, jobs(1, ""))
		a := readN(t, e.q, "A", 1, time.Second)[0]
		time.Sleep(lease + 50*time.Millisecond)
		b := readN(t, e.q, "B", 1, time.Second)[0]
		if state, err := e.q.Fail(ctx, b, errors.New("503"), true); err != nil || state != crawler.StateDelayed {
			t.Fatalf("B's Fail = %s, %v; want delayed", state, err)
		}
		if err := e.q.Complete(ctx, a, crawler.Result{Status: 200}); !errors.Is(err, queue.ErrLeaseLost) {
			t.Errorf("A's late Complete: %v, want ErrLeaseLost", err)
		}
		if st, c := status(t, e.q, ids[0]), counts(t, e.q); st.State != crawler.StateDelayed || c.Delayed != 1 || c.Active != 0 {
			t.Errorf("after A's late Complete: %s, counts %+v; want delayed as B left it", st.State, c)
		}
	})
	t.Run("parked", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: 20 * time.Millisecond, MaxDeliveries: 1})
		ids := enqueue(t, e.q, jobs(1, ""))
		a := readN(t, e.q, "A", 1, time.Second)[0]
		time.Sleep(lease + 50*time.Millisecond)
		if _, err := e.q.Read(ctx, "B", 1, 0); err != nil { // parks it
			t.Fatal(err)
		}
		if err := e.q.Complete(ctx, a, crawler.Result{Status: 200}); !errors.Is(err, queue.ErrLeaseLost) {
			t.Errorf("Complete of a parked job: %v, want ErrLeaseLost", err)
		}
		if st, c := status(t, e.q, ids[0]), counts(t, e.q); st.State != crawler.StateFailed || c.Failed != 1 {
			t.Errorf("after the late Complete: %s, counts %+v; want it failed (parked)", st.State, c)
		}
	})
}

// TestReclaimLeavesOwnDeliveries: a consumer whose extends came late is
// still running its jobs; its own reads must not hand them to it again.
// Another consumer's read takes them.
func TestReclaimLeavesOwnDeliveries(t *testing.T) {
	t.Parallel()
	const lease = 200 * time.Millisecond
	e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: 20 * time.Millisecond})
	enqueue(t, e.q, jobs(1, ""))
	w := readN(t, e.q, "W", 1, time.Second)[0]
	time.Sleep(lease + 50*time.Millisecond)
	deadline := time.Now().Add(3 * lease)
	for time.Now().Before(deadline) {
		ds, err := e.q.Read(context.Background(), "W", 1, 20*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) > 0 {
			t.Fatalf("W was handed %s again while running it", ds[0].StreamID)
		}
	}
	if x := readN(t, e.q, "X", 1, time.Second)[0]; x.StreamID != w.StreamID {
		t.Errorf("X got %s, want W's expired %s", x.StreamID, w.StreamID)
	}
}

// TestReclaimSeesPastLiveDeliveries: a dead consumer's job comes back
// within a few leases however many extended deliveries precede it in the
// pending list (XAUTOCLAIM from 0-0 looked at only 10 per slot asked).
func TestReclaimSeesPastLiveDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const lease = 200 * time.Millisecond
	e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: 20 * time.Millisecond})
	enqueue(t, e.q, jobs(21, ""))
	live := readN(t, e.q, "live", 20, time.Second)
	dead := readN(t, e.q, "dead", 1, time.Second)[0]
	deadline := time.Now().Add(6 * lease)
	for time.Now().Before(deadline) {
		if lost, err := e.q.Extend(ctx, "live", live); err != nil || len(lost) > 0 {
			t.Fatalf("extend: lost %d, %v", len(lost), err)
		}
		ds, err := e.q.Read(ctx, "rescuer", 1, 30*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) > 0 {
			if ds[0].StreamID != dead.StreamID {
				t.Fatalf("rescuer got %s, want the dead consumer's %s", ds[0].StreamID, dead.StreamID)
			}
			return
		}
	}
	t.Errorf("the dead consumer's job was not reclaimed within 6 leases behind 20 live deliveries")
}

// TestNoReclaimRightAfterOutage: when Redis comes back from an outage longer
// than a lease, every delivery looks expired; a live holder that extends
// every lease/3 must keep its job.
func TestNoReclaimRightAfterOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const lease = 300 * time.Millisecond
	e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: 20 * time.Millisecond}, redistest.WithAppendOnly())
	enqueue(t, e.q, jobs(1, ""))
	a := readN(t, e.q, "A", 1, time.Second)[0]

	stopKeeping := keepLease(e.q, lease, "A", a, nil) // failures expected during the outage
	var wg sync.WaitGroup
	var stolen []queue.Delivery
	wg.Go(func() { // B reads throughout, as a worker does
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end) && len(stolen) == 0; {
			c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			ds, err := e.q.Read(c, "B", 1, 20*time.Millisecond)
			cancel()
			if err != nil {
				time.Sleep(20 * time.Millisecond)
			}
			stolen = append(stolen, ds...)
		}
	})
	time.Sleep(lease / 2)
	e.srv.Kill()
	time.Sleep(2 * lease)
	e.srv.Restart(t)
	time.Sleep(3*time.Second - 2*lease)
	stopKeeping()
	wg.Wait()
	if len(stolen) > 0 {
		t.Errorf("B took A's job %s after a %s outage although A kept extending", a.Job.ID, 2*lease)
	}
	if lost, err := e.q.Extend(ctx, "A", []queue.Delivery{a}); err != nil || len(lost) > 0 {
		t.Errorf("A's extend after the outage: lost %d, %v", len(lost), err)
	}
}

// TestReleaseKeepsDeadWorkersRuns: a job reclaimed from a dead worker and
// then released at shutdown keeps the dead worker's run in its attempts,
// so MaxAttempts still bounds a job that kills its workers.
func TestReleaseKeepsDeadWorkersRuns(t *testing.T) {
	t.Parallel()
	const lease = 200 * time.Millisecond
	e := newEnv(t, queue.Config{Lease: lease, ReclaimEvery: 20 * time.Millisecond})
	enqueue(t, e.q, jobs(1, ""))
	readN(t, e.q, "dead", 1, time.Second)
	time.Sleep(lease + 50*time.Millisecond)
	b := readN(t, e.q, "B", 1, time.Second)[0]
	if b.Attempt != 2 {
		t.Fatalf("reclaimed at attempt %d, want 2", b.Attempt)
	}
	if err := e.q.Release(context.Background(), []queue.Delivery{b}); err != nil {
		t.Fatal(err)
	}
	if c := readN(t, e.q, "C", 1, time.Second)[0]; c.Attempt != 2 {
		t.Errorf("read after the release at attempt %d, want 2: the dead worker's run counts, B's released one does not", c.Attempt)
	}
}
