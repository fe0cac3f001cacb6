package worker_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	gootel "go.opentelemetry.io/otel"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/worker"
	"github.com/crawler-service/crawler/otel"
)

// BenchmarkThroughput runs b.N jobs end to end: queue read, a real HTTP
// fetch of a small page from a loopback site with title and rank
// extraction, and the completion write.
func BenchmarkThroughput(b *testing.B) {
	for _, conc := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) { runThroughput(b, conc) })
	}
}

// BenchmarkThroughputTracing is BenchmarkThroughput at concurrency 16 with
// tracing off (otel.Setup's none) and on (every job sampled, its spans
// batched and sent over OTLP/HTTP to a local receiver that reads and
// drops them), run one after the other in one process: the ratio is the
// cost of tracing a job. The global provider is set by each and reset to
// off after.
func BenchmarkThroughputTracing(b *testing.B) {
	var exported atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		exported.Add(n)
	}))
	b.Cleanup(sink.Close)
	for _, tc := range []struct {
		name   string
		traces otel.TracesConfig
	}{
		{"off", otel.TracesConfig{}},
		{"on", otel.TracesConfig{Exporters: []string{"otlp"}, Sampler: "always_on", OTLP: otel.OTLPConfig{Endpoint: sink.URL}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p, err := otel.Setup(b.Context(), otel.Config{Exporters: []string{"none"}, NoRuntimeMetrics: true, Traces: tc.traces})
			if err != nil {
				b.Fatal(err)
			}
			gootel.SetTracerProvider(p.TracerProvider())
			before := exported.Load()
			runThroughput(b, 16)
			if err := p.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
			off, err := otel.Setup(context.Background(), otel.Config{Exporters: []string{"none"}, NoRuntimeMetrics: true})
			if err != nil {
				b.Fatal(err)
			}
			gootel.SetTracerProvider(off.TracerProvider())
			b.ReportMetric(float64(exported.Load()-before)/float64(b.N), "OTLP-bytes/job")
		})
	}
}

func runThroughput(b *testing.B, conc int) {
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
}
