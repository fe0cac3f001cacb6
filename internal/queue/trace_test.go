package queue_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// The trace context a job is enqueued with comes back with every delivery
// of it: the first, a retry after a failure, and a redelivery after a dead
// worker's lease ran out. So each attempt's span (jobtrace.StartAttempt)
// lands in the trace of the request that enqueued the job. (Enqueue's own
// injection of the request's context: test/deploy's TestOneJobOneTrace.)
func TestTraceContextTravelsWithEveryDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{Lease: 200 * time.Millisecond, ReclaimEvery: 20 * time.Millisecond,
		BackoffBase: time.Millisecond, BackoffMax: time.Millisecond})
	carrier := map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "k=v"}
	ids, err := e.q.Enqueue(ctx, []queue.EnqueueRequest{{Job: crawler.Job{URL: "https://example.com/", Trace: carrier, TraceLink: true}}})
	if err != nil {
		t.Fatal(err)
	}
	first := readN(t, e.q, "a", 1, 5*time.Second)[0]
	if _, err := e.q.Fail(ctx, first, crawler.Errorf(crawler.ErrTimeout, "slow"), true); err != nil {
		t.Fatal(err)
	}
	retried := readN(t, e.q, "b", 1, 5*time.Second)[0] // back from the delayed set
	// b dies holding it; c gets it once the lease runs out.
	reclaimed := readN(t, e.q, "c", 1, 5*time.Second)[0]
	for name, d := range map[string]queue.Delivery{"first": first, "retried": retried, "reclaimed": reclaimed} {
		if d.Job.ID != ids[0] || !maps.Equal(d.Job.Trace, carrier) || !d.Job.TraceLink {
			t.Errorf("%s delivery of %s: trace %v link %v, want %v linked", name, d.Job.ID, d.Job.Trace, d.Job.TraceLink, carrier)
		}
	}
	if reclaimed.Attempt != 3 {
		t.Errorf("reclaimed delivery is attempt %d, want 3", reclaimed.Attempt)
	}
}
