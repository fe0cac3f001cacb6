package queue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

// benchFailed is how many failed jobs the failed-set benchmarks hold: the
// default QUEUE_FAILED_MAX.
const benchFailed = 10_000

// fillFailed enqueues n jobs and parks every one, a fifth of them with
// each of five error types, 16 Fail calls at a time.
func fillFailed(b *testing.B, q *queue.Queue, n int) {
	b.Helper()
	ctx := context.Background()
	for left := n; left > 0; left -= queue.MaxBatch {
		if _, err := q.Enqueue(ctx, toReqs(min(left, queue.MaxBatch))); err != nil {
			b.Fatal(err)
		}
	}
	types := crawler.ErrorTypes[:5]
	work := make(chan queue.Delivery)
	var wg sync.WaitGroup
	var once sync.Once
	var failErr error
	for range 16 {
		wg.Go(func() {
			for d := range work {
				if _, err := q.Fail(ctx, d, crawler.Errorf(types[int(d.Job.ID[25])%len(types)], "x"), false); err != nil {
					once.Do(func() { failErr = err })
				}
			}
		})
	}
	for got := 0; got < n; {
		ds, err := q.Read(ctx, "filler", 1000, 100*time.Millisecond)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range ds {
			work <- d
		}
		got += len(ds)
	}
	close(work)
	wg.Wait()
	if failErr != nil {
		b.Fatal(failErr)
	}
}

// BenchmarkListFailedPages pages through 10,000 failed jobs 100 at a time,
// oldest and newest first and by error type, and reports the Redis
// commands (those the list script runs included) each page costs.
func BenchmarkListFailedPages(b *testing.B) {
	srv := redistest.Start(b)
	rdb := srv.Client()
	q := queue.New(rdb, queue.Config{})
	fillFailed(b, q, benchFailed)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		o    queue.ListOptions
	}{
		{"oldest", queue.ListOptions{}},
		{"newest", queue.ListOptions{Newest: true}},
		{"by_type", queue.ListOptions{ErrorType: crawler.ErrorTypes[0]}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
				b.Fatal(err)
			}
			pages := 0
			for b.Loop() {
				o := bc.o
				o.State, o.Limit = crawler.StateFailed, 100
				for {
					p, err := q.ListJobs(ctx, o)
					if err != nil {
						b.Fatal(err)
					}
					pages++
					if p.Next == "" {
						break
					}
					o.Cursor = p.Next
				}
			}
			var cmds int64
			for _, n := range commandStats(b, rdb) {
				cmds += n
			}
			b.ReportMetric(float64(cmds)/float64(pages), "cmds/page")
			b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
		})
	}
}

// BenchmarkRetryFailed retries 10,000 failed jobs with one RetryFailed
// (20 script calls of 500) and reports jobs moved per second.
func BenchmarkRetryFailed(b *testing.B) {
	ctx := context.Background()
	var moved int
	var took time.Duration
	for range b.N {
		b.StopTimer()
		srv := redistest.Start(b)
		q := queue.New(srv.Client(), queue.Config{})
		fillFailed(b, q, benchFailed)
		b.StartTimer()
		start := time.Now()
		got, err := q.RetryFailed(ctx, queue.FailedFilter{}, "bench")
		took += time.Since(start)
		if err != nil || got.Jobs != benchFailed || got.Remaining != 0 {
			b.Fatalf("retry = %+v, %v", got, err)
		}
		moved += got.Jobs
	}
	b.ReportMetric(float64(moved)/took.Seconds(), "jobs/s")
}
