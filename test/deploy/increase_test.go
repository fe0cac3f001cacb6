package deploy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/otel"
)

// TestIncreaseSeesFirstBurst: Debian's Prometheus scrapes a worker-like
// process (the worker's recorder on the service's Prometheus exporter)
// every second, before and after a burst of jobs. Because every bounded
// counter series starts at zero, increase() over the run equals the jobs
// finished; a series that appeared with its first value (as before) would
// count from that value and lose the burst.
func TestIncreaseSeesFirstBurst(t *testing.T) {
	t.Parallel()
	bin := lookPath(t, "prometheus", "apt-get install -y prometheus")
	p, err := otel.Setup(t.Context(), otel.Config{Exporters: []string{"prometheus"}, ServiceName: "crawler", NoRuntimeMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	rec, err := metrics.NewWorker(p.MeterProvider())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", p.PrometheusHandler())
	target := httptest.NewServer(mux)
	t.Cleanup(target.Close)

	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: worker\n    static_configs:\n      - targets: [%q]\n",
		target.Listener.Addr().String())
	prom := runPrometheus(t, bin, t.TempDir(), cfg)
	ctx := t.Context()

	// Before any job: the zero series are there, and scraped twice.
	start := time.Now()
	waitValue(ctx, t, prom, `count(crawler_worker_jobs_completed_total)`, 2)
	waitValue(ctx, t, prom, `count(crawler_worker_errors_total)`, float64(len(crawler.ErrorTypes)))
	waitValue(ctx, t, prom, `min(count_over_time(crawler_worker_jobs_completed_total[1m])) >= bool 2`, 1)

	const ok, failed = 7, 4
	for range ok {
		rec.JobDone(ctx, 0.3, crawler.MethodHTTP, "", true)
	}
	for range failed {
		rec.JobDone(ctx, 0.1, crawler.MethodHTTP, crawler.ErrHTTP4xx, false)
	}
	waitValue(ctx, t, prom, `sum(crawler_worker_jobs_completed_total)`, ok+failed)

	// Evaluate at the last scrape, over a window that starts before the
	// first: increase() then extrapolates neither way (the first sample is
	// 0, and a counter is not extrapolated below zero).
	last, err := promQuery(ctx, prom, `max(timestamp(crawler_worker_jobs_completed_total))`, time.Now())
	if err != nil || len(last) != 1 {
		t.Fatalf("last scrape: %v %v", last, err)
	}
	at := time.UnixMilli(int64(last[0].Value * 1000))
	window := fmt.Sprintf("%ds", int(at.Sub(start).Seconds())+10)
	for expr, want := range map[string]float64{
		`sum(increase(crawler_worker_jobs_completed_total[` + window + `]))`:                                          ok + failed,
		`sum(increase(crawler_worker_jobs_completed_total{crawler_job_status="failed"}[` + window + `]))`:             failed,
		`sum(increase(crawler_worker_errors_total{error_type="` + string(crawler.ErrHTTP4xx) + `"}[` + window + `]))`: failed,
	} {
		got, err := promQuery(ctx, prom, expr, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Value != want {
			t.Errorf("%s = %v, want %v", expr, got, want)
		}
	}
}
