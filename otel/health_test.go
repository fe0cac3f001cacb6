package otel_test

import (
	"errors"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/crawler-service/crawler/otel/cloudwatch"
)

// TestHealthDuringOutage: while CloudWatch is down, the failed requests and
// the datums kept for later show in the Prometheus scrape of the same
// provider, and both clear once it is back.
func TestHealthDuringOutage(t *testing.T) {
	t.Parallel()
	cfg, s := testConfig(t, "prometheus", "cloudwatch", "emf")
	p := setup(t, cfg)
	w := newWorkload(t, p.MeterProvider())

	s.cw.SetDown(true)
	w.job(t.Context(), "failed", "http", 1)
	if err := p.ForceFlush(t.Context()); !errors.Is(err, cloudwatch.ErrNotDelivered) {
		t.Fatalf("ForceFlush during the outage = %v, want %v", err, cloudwatch.ErrNotDelivered)
	}
	mfs := scrape(t, p.PrometheusHandler())
	cw := map[string]string{"exporter": "cloudwatch"}
	failed := gaugeOrCounter(mfs, "metrics_exporter_requests_total", map[string]string{"exporter": "cloudwatch", "outcome": "failed"})
	buffered := gaugeOrCounter(mfs, "metrics_exporter_buffered", cw)
	if failed < 1 || buffered < 1 {
		t.Errorf("during the outage: requests{outcome=failed} = %g, buffered = %g; want both > 0", failed, buffered)
	}
	if sent := gaugeOrCounter(mfs, "metrics_exporter_datums_sent_total", cw); sent != 0 {
		t.Errorf("datums sent during the outage = %g, want 0", sent)
	}
	if emfOK := gaugeOrCounter(mfs, "metrics_exporter_requests_total", map[string]string{"exporter": "emf", "outcome": "success"}); emfOK < 1 {
		t.Errorf("EMF, unaffected by the outage, shows %g successful writes", emfOK)
	}

	s.cw.SetDown(false)
	flush(t, p)
	mfs = scrape(t, p.PrometheusHandler())
	if b := gaugeOrCounter(mfs, "metrics_exporter_buffered", cw); b != 0 {
		t.Errorf("buffered after recovery = %g, want 0", b)
	}
	if sent := gaugeOrCounter(mfs, "metrics_exporter_datums_sent_total", cw); sent < 2 {
		t.Errorf("datums sent after recovery = %g, want the kept duration and counter", sent)
	}
	if got := len(s.cw.DatumsNamed("WorkerJobsCompleted")); got != 1 {
		t.Errorf("CloudWatch received %d WorkerJobsCompleted datums after recovery, want 1", got)
	}
}

// gaugeOrCounter returns the value of the single series of family name
// matching want, or -1 when there is none.
func gaugeOrCounter(mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	ms := promSeries(mfs, name, want)
	if len(ms) != 1 {
		return -1
	}
	if c := ms[0].GetCounter(); c != nil {
		return c.GetValue()
	}
	return ms[0].GetGauge().GetValue()
}
