package worker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/worker"
)

// BenchmarkThroughput runs b.N jobs end to end: queue read, a real HTTP
// fetch of a small page from a loopback site with title and rank
// extraction, and the completion write.
func BenchmarkThroughput(b *testing.B) {
	for _, conc := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			e := newEnv(b, testQueueConfig(b))
			s := site(b, nil)
			jobs := make([]crawler.Job, b.N)
			for i := range jobs {
				jobs[i] = crawler.Job{URL: fmt.Sprintf("%s/page/%d", s.URL, i), Method: crawler.MethodHTTP,
					Rank: &crawler.RankSpec{Selector: "li.item", Match: "target.example"}}
			}
			for start := 0; start < len(jobs); start += 10_000 {
				enqueue(b, e.q, jobs[start:min(start+10_000, len(jobs))]...)
			}
			b.ResetTimer()
			_, stop := start(b, worker.Config{Concurrency: conc}, e.deps())
			deadline := time.Now().Add(5 * time.Minute)
			for {
				c, err := e.q.Counts(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				if c.Waiting+c.Active+c.Delayed == 0 {
					if c.Failed != 0 {
						b.Fatalf("%d jobs failed", c.Failed)
					}
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("not done: %+v", c)
				}
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
			stop()
		})
	}
}
