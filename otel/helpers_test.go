package otel_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/syncbuf"
	"github.com/crawler-service/crawler/otel"
	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
	"github.com/crawler-service/crawler/otel/cwmetric"
)

// The test workload's instruments and attributes, named like the crawler's
// but built here: the otel package knows no service.
const (
	durationName  = "crawler.worker.job.duration"
	completedName = "crawler.worker.jobs.completed"
	statusKey     = "crawler.job.status"
	methodKey     = "crawler.job.method"
)

// testRules maps the workload to CloudWatch: the duration per [Status,
// Method], the completed counter per [Status] only.
func testRules() []cwmetric.Rule {
	status := cwmetric.Dimension{Attribute: statusKey, Name: "Status"}
	method := cwmetric.Dimension{Attribute: methodKey, Name: "Method"}
	return []cwmetric.Rule{
		{Instrument: durationName, Name: "WorkerJobDuration", Dimensions: []cwmetric.Dimension{status, method}, DimensionSets: [][]string{{"Status", "Method"}}},
		{Instrument: completedName, Name: "WorkerJobsCompleted", Dimensions: []cwmetric.Dimension{status}, DimensionSets: [][]string{{"Status"}}},
	}
}

// sinks are where each exporter of a test's Provider delivers.
type sinks struct {
	cw      *cloudwatchtest.Server
	emf     *syncbuf.Buffer
	console *syncbuf.Buffer
}

// testConfig returns a Config for exporters whose push exporters only
// export when told (ForceFlush, Shutdown), delivering into fresh sinks.
func testConfig(t *testing.T, exporters ...string) (otel.Config, sinks) {
	t.Helper()
	s := sinks{cw: cloudwatchtest.NewServer(), emf: &syncbuf.Buffer{}, console: &syncbuf.Buffer{}}
	t.Cleanup(s.cw.Close)
	return otel.Config{
		Exporters:         exporters,
		ServiceName:       "crawler-test",
		ServiceInstanceID: "worker-1",
		Attributes:        []attribute.KeyValue{attribute.String("crawler.process", "worker")},
		ExportInterval:    time.Hour, // no export but the ones a test asks for
		ExportTimeout:     10 * time.Second,
		NoRuntimeMetrics:  true,
		CloudWatch:        otel.CloudWatchConfig{Namespace: "CrawlerTest", Rules: testRules(), Client: s.cw.Client()},
		EMF:               otel.EMFConfig{Writer: s.emf},
		Console:           s.console,
		Health:            testHealth,
	}, s
}

// testHealth names the exporters' health instruments as a program's
// metrics table would.
var testHealth = otel.HealthConfig{
	DatumsSent:    otel.Instrument{Name: "metrics_exporter.datums.sent", Unit: "{datum}", Description: "Datums delivered."},
	Requests:      otel.Instrument{Name: "metrics_exporter.requests", Unit: "{request}", Description: "Requests by outcome."},
	PointsDropped: otel.Instrument{Name: "metrics_exporter.points.dropped", Unit: "{datum}", Description: "Datums dropped."},
	Buffered:      otel.Instrument{Name: "metrics_exporter.buffered", Unit: "{datum}", Description: "Datums held."},
	ExporterKey:   "exporter", OutcomeKey: "outcome", ReasonKey: "reason",
}

// setup runs otel.Setup and shuts the provider down when the test ends.
func setup(t *testing.T, cfg otel.Config) *otel.Provider {
	t.Helper()
	p, err := otel.Setup(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Setup(%v): %v", cfg.Exporters, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return p
}

func flush(t *testing.T, p *otel.Provider) {
	t.Helper()
	if err := p.ForceFlush(t.Context()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
}

func shutdown(t *testing.T, p *otel.Provider) {
	t.Helper()
	if err := p.Shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// workload is the test's instruments on one provider.
type workload struct {
	duration  metric.Float64Histogram
	completed metric.Int64Counter
}

func newWorkload(t *testing.T, mp metric.MeterProvider) workload {
	t.Helper()
	m := mp.Meter("github.com/crawler-service/crawler/otel_test")
	d, err := m.Float64Histogram(durationName, metric.WithUnit("s"), metric.WithDescription("Seconds a job took."))
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Int64Counter(completedName, metric.WithUnit("{job}"), metric.WithDescription("Job attempts finished."))
	if err != nil {
		t.Fatal(err)
	}
	return workload{duration: d, completed: c}
}

// job records one finished job the way a worker does.
func (w workload) job(ctx context.Context, status, method string, seconds float64) {
	attrs := metric.WithAttributes(attribute.String(statusKey, status), attribute.String(methodKey, method))
	w.duration.Record(ctx, seconds, attrs)
	w.completed.Add(ctx, 1, attrs)
}

// scrape GETs the Prometheus handler and returns the raw text.
func scrapeText(t *testing.T, h http.Handler) string {
	t.Helper()
	if h == nil {
		t.Fatal("PrometheusHandler() is nil")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// scrape parses the handler's answer with the legacy (strictest) name rules.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	text := scrapeText(t, h)
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewBufferString(text))
	if err != nil {
		t.Fatalf("parse scrape: %v\n%s", err, text)
	}
	return mfs
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// promSeries finds the series of family name whose labels include want.
func promSeries(mfs map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range mfs[name].GetMetric() {
		ls := labels(m)
		match := true
		for k, v := range want {
			if ls[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

// emfLines decodes the EMF writer's JSON lines.
func emfLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 2<<20)
	for sc.Scan() {
		var doc map[string]any
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			t.Fatalf("EMF line %q: %v", sc.Text(), err)
		}
		out = append(out, doc)
	}
	return out
}
