package emf

import (
	"io"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// t0 is the time of hand-built data points; tests pin the exporter's clock
// a minute later.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

func testRules() []cwmetric.Rule {
	status := cwmetric.Dimension{Attribute: "job.status", Name: "Status"}
	method := cwmetric.Dimension{Attribute: "job.method", Name: "Method"}
	return []cwmetric.Rule{
		{Instrument: "job.duration", Name: "WorkerJobDuration", Dimensions: []cwmetric.Dimension{status, method},
			DimensionSets: [][]string{{"Status", "Method"}, {"Status"}}},
		{Instrument: "job.completed", Name: "WorkerJobsCompleted", Dimensions: []cwmetric.Dimension{status},
			DimensionSets: [][]string{{"Status"}}},
		{Instrument: "queue.waiting", Name: "QueueWaitingJobs"},
	}
}

func testMapper(t testing.TB, rules []cwmetric.Rule) *cwmetric.Mapper {
	t.Helper()
	m, err := cwmetric.NewMapper(rules)
	if err != nil {
		t.Fatalf("mapper: %v", err)
	}
	return m
}

// newTestExporter builds an exporter with a pinned clock.
func newTestExporter(t testing.TB, w io.Writer, opts ...Option) *exporter {
	t.Helper()
	base := []Option{WithNamespace("Test"), WithMapper(testMapper(t, testRules())), WithWriter(w)}
	exp, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e := exp.(*exporter)
	e.now = func() time.Time { return t0.Add(time.Minute) }
	return e
}

func attrs(kv ...string) attribute.Set {
	var a []attribute.KeyValue
	for i := 0; i+1 < len(kv); i += 2 {
		a = append(a, attribute.String(kv[i], kv[i+1]))
	}
	return attribute.NewSet(a...)
}

func testResource() *resource.Resource {
	return resource.NewSchemaless(
		attribute.String("service.instance.id", "worker-7"),
		attribute.String("aws.ecs.task.arn", "arn:aws:ecs:eu-west-1:123456789012:task/c/abc"),
	)
}

func rmOf(metrics ...metricdata.Metrics) *metricdata.ResourceMetrics {
	return &metricdata.ResourceMetrics{
		Resource:     testResource(),
		ScopeMetrics: []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: "test"}, Metrics: metrics}},
	}
}

func gauge(name string, pts ...metricdata.DataPoint[float64]) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Unit: "{job}", Data: metricdata.Gauge[float64]{DataPoints: pts}}
}

func counter(name string, pts ...metricdata.DataPoint[int64]) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Unit: "{job}", Data: metricdata.Sum[int64]{
		Temporality: metricdata.DeltaTemporality, IsMonotonic: true, DataPoints: pts}}
}

func histogram(name string, pts ...metricdata.HistogramDataPoint[float64]) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Unit: "s", Data: metricdata.Histogram[float64]{
		Temporality: metricdata.DeltaTemporality, DataPoints: pts}}
}

func fpt(v float64, a attribute.Set) metricdata.DataPoint[float64] {
	return metricdata.DataPoint[float64]{Attributes: a, StartTime: t0.Add(-time.Minute), Time: t0, Value: v}
}

func ipt(v int64, a attribute.Set) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: a, StartTime: t0.Add(-time.Minute), Time: t0, Value: v}
}

// hpt builds a histogram point from values, with the SDK's default bounds
// unless bounds are given.
func hpt(a attribute.Set, bounds []float64, values ...float64) metricdata.HistogramDataPoint[float64] {
	if bounds == nil {
		bounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
	}
	dp := metricdata.HistogramDataPoint[float64]{Attributes: a, StartTime: t0.Add(-time.Minute), Time: t0,
		Bounds: bounds, BucketCounts: make([]uint64, len(bounds)+1)}
	for i, v := range values {
		b := len(bounds)
		for j, bound := range bounds {
			if v <= bound {
				b = j
				break
			}
		}
		dp.BucketCounts[b]++
		dp.Count++
		dp.Sum += v
		if lo, _ := dp.Min.Value(); i == 0 || v < lo {
			dp.Min = metricdata.NewExtrema(v)
		}
		if hi, _ := dp.Max.Value(); i == 0 || v > hi {
			dp.Max = metricdata.NewExtrema(v)
		}
	}
	return dp
}

// render is Export without the writing: the lines it would write.
func (e *exporter) render(rm *metricdata.ResourceMetrics) encoded {
	enc := encodeDocuments(e.documents(rm), e.cfg.namespace, e.cfg.resolution, e.lim)
	e.c.drop(dropTooLarge, enc.tooLarge)
	return enc
}
