package otel_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/otel"
)

// TestPrometheusPassesPromtool serves a scrape of every instrument kind
// plus the Go runtime metrics and hands it to `promtool check metrics`,
// Prometheus's own linter.
func TestPrometheusPassesPromtool(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install it with `apt-get install -y prometheus` (Debian ships /usr/bin/promtool in it)")
	}
	cfg, _ := testConfig(t, "prometheus", "cloudwatch", "emf")
	cfg.NoRuntimeMetrics = false
	p := setup(t, cfg)
	recordEveryKind(t, p.MeterProvider())
	w := newWorkload(t, p.MeterProvider())
	w.job(t.Context(), "success", "browser", 3.5)
	flush(t, p) // the health metrics then have something to say
	text := scrapeText(t, p.PrometheusHandler())

	cmd := exec.CommandContext(t.Context(), promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\n--- scrape ---\n%s", err, out.String(), text)
	}
	if strings.TrimSpace(out.String()) != "" {
		t.Errorf("promtool check metrics has remarks:\n%s", out.String())
	}

	mfs := scrape(t, p.PrometheusHandler())
	for _, name := range []string{
		"go_goroutines", "go_memory_used_bytes", // runtime instrumentation
		"test_requests_total", "test_queue_depth", "test_inflight", "test_temperature_celsius", "test_payload_bytes",
		"crawler_worker_job_duration_seconds", "metrics_exporter_requests_total", "target_info",
	} {
		if mfs[name] == nil {
			t.Errorf("scrape lacks %s", name)
		}
	}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.HasPrefix(l.GetName(), "otel_scope_") {
					t.Errorf("%s has scope label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// recordEveryKind makes one instrument of each kind on mp.
func recordEveryKind(t *testing.T, mp metric.MeterProvider) {
	t.Helper()
	ctx := t.Context()
	m := mp.Meter("github.com/crawler-service/crawler/otel_test/kinds")
	c, err1 := m.Int64Counter("test.requests", metric.WithUnit("{request}"), metric.WithDescription("Requests."))
	ud, err2 := m.Int64UpDownCounter("test.inflight", metric.WithUnit("{request}"), metric.WithDescription("In flight."))
	g, err3 := m.Float64Gauge("test.temperature", metric.WithUnit("Cel"), metric.WithDescription("Temperature."))
	h, err4 := m.Int64Histogram("test.payload", metric.WithUnit("By"), metric.WithDescription("Payload size."),
		metric.WithExplicitBucketBoundaries(1024, 65536, 1<<20))
	_, err5 := m.Int64ObservableGauge("test.queue.depth", metric.WithUnit("{job}"), metric.WithDescription("Queue depth."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(7, metric.WithAttributes(attribute.String("queue", "default")))
			return nil
		}))
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			t.Fatal(err)
		}
	}
	c.Add(ctx, 3, metric.WithAttributes(attribute.String("http.request.method", "GET")))
	ud.Add(ctx, 2)
	g.Record(ctx, 21.5)
	h.Record(ctx, 2048)
}

// TestHistogramBuckets: a histogram in seconds without advice gets
// SecondsBuckets; an instrument's advised boundaries win.
func TestHistogramBuckets(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, "prometheus")
	p := setup(t, cfg)
	m := p.MeterProvider().Meter("test")
	plain, err := m.Float64Histogram("test.wait", metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}
	advised, err := m.Float64Histogram("test.render", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(1, 10, 100))
	if err != nil {
		t.Fatal(err)
	}
	plain.Record(t.Context(), 0.2)
	advised.Record(t.Context(), 0.2)
	mfs := scrape(t, p.PrometheusHandler())
	for _, tt := range []struct {
		family string
		want   []float64
	}{
		{"test_wait_seconds", otel.SecondsBuckets},
		{"test_render_seconds", []float64{1, 10, 100}},
	} {
		var got []float64
		for _, b := range mfs[tt.family].GetMetric()[0].GetHistogram().GetBucket() {
			if !math.IsInf(b.GetUpperBound(), 1) {
				got = append(got, b.GetUpperBound())
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s buckets = %v, want %v", tt.family, got, tt.want)
		}
	}
}

// TestCloudWatchSecondsBuckets: CloudWatch computes percentiles from the
// Values the exporter derives from buckets, so a seconds histogram must be
// bucketed in seconds there too. The true median of these six jobs is
// 0.35 s; with the SDK's default boundaries (first bucket 0 to 5) CloudWatch
// would put it at 0.725 s.
func TestCloudWatchSecondsBuckets(t *testing.T) {
	t.Parallel()
	for _, exporter := range []string{"cloudwatch", "emf"} {
		t.Run(exporter, func(t *testing.T) {
			t.Parallel()
			cfg, s := testConfig(t, exporter)
			p := setup(t, cfg)
			w := newWorkload(t, p.MeterProvider())
			for _, sec := range []float64{0.1, 0.2, 0.3, 0.4, 2, 3} {
				w.job(t.Context(), "success", "http", sec)
			}
			shutdown(t, p)
			var values, counts []float64
			if exporter == "cloudwatch" {
				for _, d := range s.cw.DatumsNamed("WorkerJobDuration") {
					values, counts = append(values, d.Values...), append(counts, d.Counts...)
				}
			}
			for _, line := range emfLines(t, s.emf.Bytes()) {
				if v, ok := line["WorkerJobDuration"].(map[string]any); ok {
					for i := range v["Values"].([]any) {
						values = append(values, v["Values"].([]any)[i].(float64))
						counts = append(counts, v["Counts"].([]any)[i].(float64))
					}
				}
			}
			if med := median(values, counts); med <= 0.25 || med > 0.5 {
				t.Errorf("median from Values %v Counts %v = %g, want within the true bucket (0.25, 0.5]", values, counts, med)
			}
		})
	}
}

// median is the lower median of values weighted by counts, as CloudWatch's
// p50 would pick it.
func median(values, counts []float64) float64 {
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case values[a] < values[b]:
			return -1
		case values[a] > values[b]:
			return 1
		}
		return 0
	})
	total := sumOf(counts)
	var seen float64
	for _, i := range idx {
		seen += counts[i]
		if seen >= total/2 {
			return values[i]
		}
	}
	return 0
}

// TestHTTPClientView: a crawler's HTTP client talks to unbounded hosts, so
// the semconv client metrics lose server.address and server.port.
func TestHTTPClientView(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, "prometheus")
	p := setup(t, cfg)
	m := p.MeterProvider().Meter("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	h, err := m.Float64Histogram("http.client.request.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"a.example", "b.example", "c.example"} {
		h.Record(t.Context(), 0.1, metric.WithAttributes(
			attribute.String("server.address", host), attribute.Int("server.port", 443),
			attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200)))
	}
	mfs := scrape(t, p.PrometheusHandler())
	series := mfs["http_client_request_duration_seconds"].GetMetric()
	if len(series) != 1 {
		t.Fatalf("got %d series, want the three hosts folded into 1", len(series))
	}
	ls := labels(series[0])
	for _, gone := range []string{"server_address", "server_port"} {
		if _, ok := ls[gone]; ok {
			t.Errorf("label %s survived the view: %v", gone, ls)
		}
	}
	if ls["http_request_method"] != "GET" || ls["http_response_status_code"] != "200" {
		t.Errorf("bounded labels lost: %v", ls)
	}
	if n := series[0].GetHistogram().GetSampleCount(); n != 3 {
		t.Errorf("sample count = %d, want 3", n)
	}
	if b := series[0].GetHistogram().GetBucket(); len(b) < 5 || b[4].GetUpperBound() != 0.075 {
		t.Errorf("the view dropped the instrument's advised buckets: %v", b)
	}
}

// TestHTTPServerView: the API's server metrics (otelhttp) do not take a
// series per Host header, which any caller chooses.
func TestHTTPServerView(t *testing.T) {
	t.Parallel()
	cfg, _ := testConfig(t, "prometheus")
	p := setup(t, cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	h := otelhttp.NewHandler(mux, "api", otelhttp.WithMeterProvider(p.MeterProvider()))
	for i := range 5 {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Host = fmt.Sprintf("attacker%d.example:%d", i, 1000+i)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	mfs := scrape(t, p.PrometheusHandler())
	mf := mfs["http_server_request_duration_seconds"]
	if mf == nil {
		t.Fatalf("no http_server_request_duration_seconds among %d families", len(mfs))
	}
	series := mf.GetMetric()
	if len(series) != 1 {
		t.Fatalf("got %d series, want the five Host headers folded into 1", len(series))
	}
	ls := labels(series[0])
	for _, gone := range []string{"server_address", "server_port"} {
		if _, ok := ls[gone]; ok {
			t.Errorf("label %s survived the view: %v", gone, ls)
		}
	}
	if ls["http_request_method"] != "GET" || ls["http_response_status_code"] != "200" || ls["http_route"] != "/healthz" {
		t.Errorf("bounded labels lost: %v", ls)
	}
}
