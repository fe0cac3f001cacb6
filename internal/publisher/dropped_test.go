package publisher_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/publisher"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

// The failed jobs retention drops reach crawler.queue.failed.dropped, a
// cumulative counter read from Redis.
func TestFailedDroppedCounter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	q := queue.New(srv.Client(), queue.Config{Keys: keyspace.Keys(t.Name()), FailedMax: 1})
	reqs := make([]queue.EnqueueRequest, 3)
	for i := range reqs {
		reqs[i].Job = crawler.Job{URL: fmt.Sprintf("https://example.com/%d", i), Method: crawler.MethodHTTP}
	}
	if _, err := q.Enqueue(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	ds, err := q.Read(ctx, "w", 3, 0)
	if err != nil || len(ds) != 3 {
		t.Fatalf("read: %d, %v", len(ds), err)
	}
	for _, d := range ds {
		if _, err := q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "404"), false); err != nil {
			t.Fatal(err)
		}
	}
	r, mp := newReader(t)
	p, err := publisher.New(publisher.Config{Interval: 50 * time.Millisecond}, q, mp, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	run(t, p)
	dropped := func() int64 {
		var rm metricdata.ResourceMetrics
		if err := r.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == metrics.QueueFailedDropped.Name && s.IsMonotonic {
					for _, dp := range s.DataPoints {
						return dp.Value
					}
				}
			}
		}
		return -1
	}
	eventually(t, "the dropped counter", 5*time.Second, func() bool { return dropped() == 2 })
}
