package queue_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
)

// BenchmarkListRareType lists, one job a page, the failed jobs of a rare
// type (one, the newest) among a schedule's 10,000 and 40,000 others,
// following next_cursor to the end; it reports the longest single call
// (how long Redis is held) and the whole walk.
func BenchmarkListRareType(b *testing.B) {
	for _, n := range []int{10_000, 40_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			srv := redistest.Start(b)
			q := queue.New(srv.Client(), queue.Config{})
			seedFailed(b, srv.Client(), q, n, 1, rare(n))
			o := queue.ListOptions{State: crawler.StateFailed, Schedule: "big", ErrorType: crawler.ErrDNS, Limit: 1}
			var slowest, walk time.Duration
			pages := 0
			for b.Loop() {
				start := time.Now()
				got, p, slow := followPages(b, q, o)
				walk += time.Since(start)
				slowest = max(slowest, slow)
				pages += p
				if len(got) != 1 {
					b.Fatalf("listed %v", got)
				}
			}
			b.ReportMetric(float64(slowest.Microseconds())/1000, "ms/slowest-call")
			b.ReportMetric(float64(walk.Microseconds())/1000/float64(b.N), "ms/walk")
			b.ReportMetric(float64(pages)/float64(b.N), "calls/walk")
		})
	}
}
