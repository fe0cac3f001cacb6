package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

func BenchmarkEnqueueBatch1000(b *testing.B) {
	srv := redistest.Start(b)
	q := queue.New(srv.Client(), queue.Config{})
	reqs := make([]queue.EnqueueRequest, 1000)
	copy(reqs, toReqs(1000))
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := q.Enqueue(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(reqs))/time.Since(start).Seconds(), "jobs/s")
}

// BenchmarkProcess measures read + complete with 50 jobs in flight; each
// iteration is one job.
func BenchmarkProcess(b *testing.B) {
	for _, bc := range []struct {
		name    string
		perRead int
	}{{"slots_read_one", 1}, {"reader_fills_slots", 50}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := redistest.Start(b)
			q := queue.New(srv.Client(), queue.Config{})
			ctx := context.Background()
			for left := b.N; left > 0; left -= queue.MaxBatch {
				if _, err := q.Enqueue(ctx, toReqs(min(left, queue.MaxBatch))); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			if err := process(ctx, q, b.N, 50, bc.perRead); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
		})
	}
}

func toReqs(n int) []queue.EnqueueRequest { return jobs(n, "") }
