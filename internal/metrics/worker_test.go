package metrics

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/internal/crawler"
)

func collect(t *testing.T, r *sdkmetric.ManualReader) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

func TestWorkerRecords(t *testing.T) {
	t.Parallel()
	r := sdkmetric.NewManualReader()
	w, err := NewWorker(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w.JobDone(ctx, 0.2, crawler.MethodHTTP, "", true)
	w.JobDone(ctx, 1.5, crawler.MethodBrowser, "", true)
	w.JobDone(ctx, 3, crawler.MethodHTTP, crawler.ErrTimeout, false)
	w.JobDone(ctx, 1, "bogus", "bogus", false) // no duration (no method to file it under), error as internal
	w.Heartbeat(ctx)
	got := collect(t, r)

	h := got[JobDuration.Name].(metricdata.Histogram[float64])
	counts := map[attribute.Distinct]uint64{}
	for _, dp := range h.DataPoints {
		counts[dp.Attributes.Equivalent()] = dp.Count
		if len(dp.Bounds) != len(JobDurationBuckets) {
			t.Errorf("bounds = %v, want the table's", dp.Bounds)
		}
	}
	key := func(s, m string) attribute.Distinct {
		set := attribute.NewSet(attribute.String(AttrStatus, s), attribute.String(AttrMethod, m))
		return set.Equivalent()
	}
	if counts[key("success", "http")] != 1 || counts[key("success", "browser")] != 1 || counts[key("failed", "http")] != 1 || len(counts) != 3 {
		t.Errorf("duration counts = %v", counts)
	}
	c := got[JobsCompleted.Name].(metricdata.Sum[int64])
	byStatus := map[string]int64{}
	for _, dp := range c.DataPoints {
		v, _ := dp.Attributes.Value(AttrStatus)
		byStatus[v.AsString()] = dp.Value
	}
	if byStatus["success"] != 2 || byStatus["failed"] != 2 {
		t.Errorf("completed = %v", byStatus)
	}
	e := got[WorkerErrors.Name].(metricdata.Sum[int64])
	byType := map[string]int64{}
	for _, dp := range e.DataPoints {
		v, _ := dp.Attributes.Value(AttrErrorType)
		byType[v.AsString()] = dp.Value
	}
	// Every error type is a series from the start, at zero unless recorded.
	for _, et := range crawler.ErrorTypes {
		want := int64(0)
		if et == crawler.ErrTimeout || et == crawler.ErrInternal {
			want = 1
		}
		if v, ok := byType[string(et)]; !ok || v != want {
			t.Errorf("errors[%s] = %d (present %v), want %d", et, v, ok, want)
		}
	}
	if len(byType) != len(crawler.ErrorTypes) {
		t.Errorf("errors = %v, want one series per error type", byType)
	}
	if hb := got[WorkerHeartbeat.Name].(metricdata.Sum[int64]); hb.DataPoints[0].Value != 1 {
		t.Errorf("heartbeat = %v", hb.DataPoints)
	}
}

func TestPublisherGauges(t *testing.T) {
	t.Parallel()
	r := sdkmetric.NewManualReader()
	counts, ok := crawler.QueueCounts{Waiting: 30, Active: 4, Delayed: 2, Failed: 1, Workers: 3, OldestWaitingAge: 12.5, Paused: true}, false
	p, err := NewPublisher(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)), func() (crawler.QueueCounts, bool) { return counts, ok })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := collect(t, r); got[QueueWaiting.Name] != nil {
		t.Errorf("a gauge was reported before any successful read: %v", got[QueueWaiting.Name])
	}
	ok = true
	got := collect(t, r)
	want := map[string]float64{
		QueueWaiting.Name: 30, QueueActive.Name: 4, QueueDelayed.Name: 2, QueueFailed.Name: 1,
		QueueWorkers.Name: 3, QueueOldestAge.Name: 12.5, QueueBacklogPerWorker.Name: 10, QueuePaused.Name: 1,
	}
	for name, v := range want {
		g, isGauge := got[name].(metricdata.Gauge[float64])
		if !isGauge || len(g.DataPoints) != 1 || g.DataPoints[0].Value != v {
			t.Errorf("%s = %+v, want %v", name, got[name], v)
		}
	}
}

func TestBacklogPerWorkerWithoutWorkers(t *testing.T) {
	t.Parallel()
	if got := BacklogPerWorker(crawler.QueueCounts{Waiting: 7}); got != 7 {
		t.Errorf("backlog with no workers = %v, want the whole backlog", got)
	}
}
