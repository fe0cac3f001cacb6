package otel_test

import (
	"math/rand/v2"
	"testing"
)

// TestExportersAgree records one workload through prometheus, cloudwatch,
// emf, console and otlp at once and checks that, per CloudWatch metric and
// dimension set, every exporter reports the same sample count and sum. A
// flush in the middle makes the delta exporters send two intervals that
// must add up to the cumulative ones' totals.
func TestExportersAgree(t *testing.T) {
	t.Parallel()
	cfg, s := testConfig(t, "prometheus", "cloudwatch", "emf", "console", "otlp")
	col := newHTTPCollector(t)
	cfg.OTLP.Endpoint = col.url + "/v1/metrics"
	p := setup(t, cfg)
	w := newWorkload(t, p.MeterProvider())

	rng := rand.New(rand.NewPCG(1, 2))
	statuses, methods := []string{"success", "failed"}, []string{"http", "browser"}
	want := stats{}
	const jobs = 400
	for i := range jobs {
		if i == jobs/2 {
			flush(t, p)
		}
		status, method := statuses[rng.IntN(2)], methods[rng.IntN(2)]
		seconds := rng.ExpFloat64() * 2 // a long tail, some beyond the last bucket
		w.job(t.Context(), status, method, seconds)
		want.add(statKey{"WorkerJobDuration", "Method=" + method + ",Status=" + status}, 1, seconds)
		want.add(statKey{"WorkerJobsCompleted", "Status=" + status}, 0, 1)
	}
	prom := promStats(scrape(t, p.PrometheusHandler()), testRules(), promWorkload)
	shutdown(t, p)

	docs := consoleDocs(t, s.console.Bytes())
	reqs := col.requests()
	if len(docs) == 0 || len(reqs) == 0 {
		t.Fatalf("console documents %d, OTLP requests %d: want some of each", len(docs), len(reqs))
	}
	got := map[string]stats{
		"prometheus": prom,
		"cloudwatch": cloudWatchStats(s.cw.Datums()),
		"emf":        emfStats(t, emfLines(t, s.emf.Bytes())),
		"console":    consoleStats(docs[len(docs)-1], testRules()),
		"otlp":       otlpStats(reqs[len(reqs)-1].body.GetResourceMetrics(), testRules()),
	}
	if len(want) != 6 {
		t.Fatalf("workload covers %d series, want 4 duration and 2 completed:%s", len(want), want)
	}
	for name, st := range got {
		if err := equalStats(want, st); err != nil {
			t.Errorf("%s disagrees with what was recorded: %v", name, err)
		}
	}
	if n := len(s.cw.Requests()); n < 2 {
		t.Errorf("CloudWatch got %d requests, want one per interval (2)", n)
	}
}
