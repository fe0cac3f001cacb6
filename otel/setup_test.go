package otel_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/crawler-service/crawler/otel"
)

// completedProm is the workload's counter as Prometheus names it.
const completedProm = "crawler_worker_jobs_completed_total"

// TestSetupExporters selects every exporter alone and in combinations and
// checks that each selected one delivers one recorded job, and that no
// unselected one does.
func TestSetupExporters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		exporters []string
		want      []string // what runs; nil means the same as exporters
	}{
		{name: "default", exporters: nil, want: []string{"prometheus"}},
		{name: "prometheus", exporters: []string{"prometheus"}},
		{name: "cloudwatch", exporters: []string{"cloudwatch"}},
		{name: "emf", exporters: []string{"emf"}},
		{name: "otlp", exporters: []string{"otlp"}},
		{name: "console", exporters: []string{"console"}},
		{name: "none", exporters: []string{"none"}},
		{name: "prometheus+cloudwatch", exporters: []string{"prometheus", "cloudwatch"}},
		{name: "cloudwatch+emf", exporters: []string{"cloudwatch", "emf"}},
		{name: "otlp+console", exporters: []string{"otlp", "console"}},
		{name: "emf+prometheus+otlp", exporters: []string{"emf", "prometheus", "otlp"}},
		{name: "all five", exporters: []string{"prometheus", "cloudwatch", "emf", "otlp", "console"}},
		{name: "names normalized", exporters: []string{" Prometheus", "EMF", "emf"}, want: []string{"prometheus", "emf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := tt.want
			if want == nil {
				want = tt.exporters
			}
			cfg, s := testConfig(t, tt.exporters...)
			col := newHTTPCollector(t)
			cfg.OTLP.Endpoint = col.url + "/v1/metrics"
			p := setup(t, cfg)
			if got := p.Exporters(); !slices.Equal(got, want) {
				t.Errorf("Exporters() = %v, want %v", got, want)
			}
			w := newWorkload(t, p.MeterProvider())
			w.job(t.Context(), "success", "http", 0.25)

			got := map[string]bool{}
			if h := p.PrometheusHandler(); h != nil {
				ms := promSeries(scrape(t, h), completedProm, map[string]string{"crawler_job_status": "success"})
				got["prometheus"] = len(ms) == 1 && ms[0].GetCounter().GetValue() == 1
			}
			shutdown(t, p)

			for _, d := range s.cw.DatumsNamed("WorkerJobsCompleted") {
				got["cloudwatch"] = d.Value != nil && *d.Value == 1
			}
			for _, line := range emfLines(t, s.emf.Bytes()) {
				got["emf"] = line["WorkerJobsCompleted"] == 1.0
			}
			if docs := consoleDocs(t, s.console.Bytes()); len(docs) > 0 {
				got["console"] = consoleStats(docs[len(docs)-1], testRules())[statKey{"WorkerJobsCompleted", "Status=success"}].sum == 1
			}
			if reqs := col.requests(); len(reqs) > 0 {
				m := otlpMetric(reqs[len(reqs)-1].body, completedName)
				got["otlp"] = reqs[0].path == "/v1/metrics" && m.GetSum().GetDataPoints()[0].GetAsInt() == 1
			}
			for _, name := range []string{"prometheus", "cloudwatch", "emf", "otlp", "console"} {
				if on := slices.Contains(want, name); got[name] != on {
					t.Errorf("%s delivered = %v, want %v", name, got[name], on)
				}
			}
		})
	}
}

// TestSetupNone keeps instruments usable with nothing exporting.
func TestSetupNone(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, "none")
	cfg.NoRuntimeMetrics = false
	p := setup(t, cfg)
	if p.PrometheusHandler() != nil {
		t.Error("PrometheusHandler() is set with none")
	}
	m := p.MeterProvider().Meter("test")
	c, err := m.Int64Counter("test.counter")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(t.Context(), 1)
	h, err := m.Float64Histogram("test.histogram", metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}
	h.Record(t.Context(), 1)
	flush(t, p)
	shutdown(t, p)
	shutdown(t, p) // twice is fine
}

// TestSetupTemporality records 1, exports, records 1 again, exports:
// CloudWatch and EMF want each interval's increase (1 and 1), Prometheus,
// OTLP and the console the running total (1 then 2).
func TestSetupTemporality(t *testing.T) {
	t.Parallel()
	cfg, s := testConfig(t, "prometheus", "cloudwatch", "emf", "otlp", "console")
	col := newHTTPCollector(t)
	cfg.OTLP.Endpoint = col.url + "/v1/metrics"
	p := setup(t, cfg)
	w := newWorkload(t, p.MeterProvider())
	key := statKey{"WorkerJobsCompleted", "Status=success"}
	durKey := statKey{"WorkerJobDuration", "Method=http,Status=success"}

	var prom, otlp, console []float64
	var promHist, otlpHist, consoleHist []float64
	for range 2 {
		w.job(t.Context(), "success", "http", 0.5)
		flush(t, p)
		ps := promStats(scrape(t, p.PrometheusHandler()), testRules(), promWorkload)
		prom, promHist = append(prom, ps[key].sum), append(promHist, ps[durKey].count)
		reqs := col.requests()
		os := otlpStats(reqs[len(reqs)-1].body.GetResourceMetrics(), testRules())
		otlp, otlpHist = append(otlp, os[key].sum), append(otlpHist, os[durKey].count)
		docs := consoleDocs(t, s.console.Bytes())
		cs := consoleStats(docs[len(docs)-1], testRules())
		console, consoleHist = append(console, cs[key].sum), append(consoleHist, cs[durKey].count)
	}
	var cw, cwHist []float64
	for _, d := range s.cw.Datums() {
		switch d.MetricName {
		case "WorkerJobsCompleted":
			cw = append(cw, *d.Value)
		case "WorkerJobDuration":
			cwHist = append(cwHist, sumOf(d.Counts))
		}
	}
	var emf, emfHist []float64
	for _, line := range emfLines(t, s.emf.Bytes()) {
		if v, ok := line["WorkerJobsCompleted"].(float64); ok {
			emf = append(emf, v)
		}
		if v, ok := line["WorkerJobDuration"].(map[string]any); ok {
			emfHist = append(emfHist, v["Count"].(float64))
		}
	}
	for _, c := range []struct {
		name      string
		got, want []float64
	}{
		{"prometheus counter", prom, []float64{1, 2}},
		{"prometheus histogram count", promHist, []float64{1, 2}},
		{"otlp counter", otlp, []float64{1, 2}},
		{"otlp histogram count", otlpHist, []float64{1, 2}},
		{"console counter", console, []float64{1, 2}},
		{"console histogram count", consoleHist, []float64{1, 2}},
		{"cloudwatch counter", cw, []float64{1, 1}},
		{"cloudwatch histogram count", cwHist, []float64{1, 1}},
		{"emf counter", emf, []float64{1, 1}},
		{"emf histogram count", emfHist, []float64{1, 1}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s per export = %v, want %v", c.name, c.got, c.want)
		}
	}
	reqs := col.requests()
	if got := otlpMetric(reqs[len(reqs)-1].body, completedName).GetSum().GetAggregationTemporality(); got != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE {
		t.Errorf("OTLP temporality = %v, want cumulative", got)
	}
}

func sumOf(vs []float64) float64 {
	var s float64
	for _, v := range vs {
		s += v
	}
	return s
}

// promWorkload maps the workload's Prometheus families to instruments.
var promWorkload = map[string]string{
	"crawler_worker_job_duration_seconds": durationName,
	completedProm:                         completedName,
}

func TestSetupErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		change   func(*otel.Config)
		is       error
		contains []string
	}{
		{
			name:     "unknown exporter",
			change:   func(c *otel.Config) { c.Exporters = []string{"prometheus", "statsd"} },
			is:       otel.ErrUnknownExporter,
			contains: []string{`"statsd"`, "prometheus, cloudwatch, emf, otlp, console, none"},
		},
		{
			name:   "none with others",
			change: func(c *otel.Config) { c.Exporters = []string{"none", "emf"} },
			is:     otel.ErrNoneCombined,
		},
		{
			name:     "cloudwatch without rules",
			change:   func(c *otel.Config) { c.Exporters = []string{"prometheus", "cloudwatch"}; c.CloudWatch.Rules = nil },
			is:       otel.ErrNoRules,
			contains: []string{"cloudwatch exporter"},
		},
		{
			name:     "emf without rules",
			change:   func(c *otel.Config) { c.Exporters = []string{"emf"}; c.CloudWatch.Rules = nil },
			is:       otel.ErrNoRules,
			contains: []string{"emf exporter"},
		},
		{
			name:     "unknown detector",
			change:   func(c *otel.Config) { c.Detectors = []string{"gcp"} },
			is:       otel.ErrUnknownDetector,
			contains: []string{`"gcp"`, "ecs, ec2"},
		},
		{
			name: "bad namespace",
			change: func(c *otel.Config) {
				c.Exporters = []string{"otlp", "cloudwatch"}
				c.CloudWatch.Namespace = "AWS/Lambda"
			},
			contains: []string{"cloudwatch exporter", "namespace"},
		},
		{
			name:     "bad storage resolution",
			change:   func(c *otel.Config) { c.Exporters = []string{"console", "emf"}; c.CloudWatch.StorageResolution = 5 },
			contains: []string{"emf exporter", "storage resolution"},
		},
		{
			name: "bad rule",
			change: func(c *otel.Config) {
				c.Exporters = []string{"cloudwatch"}
				c.CloudWatch.Rules[0].DimensionSets = [][]string{{"Nope"}}
			},
			contains: []string{"cloudwatch exporter"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, _ := testConfig(t, "prometheus")
			cfg.NoRuntimeMetrics = false
			tt.change(&cfg)
			p, err := otel.Setup(t.Context(), cfg)
			if err == nil {
				_ = p.Shutdown(t.Context())
				t.Fatal("Setup: no error")
			}
			if p != nil {
				t.Errorf("Setup returned a provider with error %v", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if !strings.HasPrefix(err.Error(), "otel: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}
