package cwmetric

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

var testRules = []Rule{
	{
		Instrument: "job.duration", Name: "JobDuration",
		Dimensions:    []Dimension{{"job.status", "Status"}, {"job.method", "Method"}},
		DimensionSets: [][]string{{"Status", "Method"}, {"Status"}},
	},
	{
		Instrument: "jobs", Name: "JobsCompleted",
		Dimensions:    []Dimension{{"job.status", "Status"}},
		DimensionSets: [][]string{{"Status"}},
	},
	{Instrument: "queue.waiting", Name: "QueueWaiting"},
}

func collect(t *testing.T, record func(metric.Meter)) *metricdata.ResourceMetrics {
	t.Helper()
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
	res := resource.NewSchemaless(attribute.String("service.instance.id", "w-1"))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
	record(mp.Meter("test"))
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return &rm
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	m, err := NewMapper(testRules)
	if err != nil {
		t.Fatal(err)
	}
	rm := collect(t, func(mt metric.Meter) {
		h, _ := mt.Float64Histogram("job.duration", metric.WithUnit("s"))
		c, _ := mt.Int64Counter("jobs", metric.WithUnit("{job}"))
		g, _ := mt.Int64Gauge("queue.waiting", metric.WithUnit("{job}"))
		u, _ := mt.Float64Counter("unmapped")
		ok := metric.WithAttributes(attribute.String("job.status", "success"), attribute.String("job.method", "http"), attribute.String("url", "never a dimension"))
		h.Record(context.Background(), 0.2, ok)
		h.Record(context.Background(), 0.4, ok)
		h.Record(context.Background(), 1, metric.WithAttributes(attribute.String("job.status", "failed"))) // no method: only the Status set
		c.Add(context.Background(), 3, metric.WithAttributes(attribute.String("job.status", "success")))
		c.Add(context.Background(), 2, metric.WithAttributes(attribute.String("job.status", "")))
		g.Record(context.Background(), 7)
		u.Add(context.Background(), math.NaN())
	})
	var pts []Point
	st := m.Translate(rm, func(p Point) { pts = append(pts, p) })
	want := Stats{Points: 4, Unmapped: 1, MissingDimension: 2}
	if st != want {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
	byKey := map[string]Point{}
	for _, p := range pts {
		key := p.Name
		for _, kv := range p.Dimensions {
			key += "," + kv.Name + "=" + kv.Value
		}
		byKey[key] = p
	}
	p, ok := byKey["JobDuration,Status=success,Method=http"]
	if !ok {
		t.Fatalf("no JobDuration point for success/http in %v", byKey)
	}
	if len(p.Sets) != 2 || p.Unit != "Seconds" || p.Dist == nil || p.Dist.Count != 2 || math.Abs(p.Dist.Sum-0.6) > 1e-12 {
		t.Errorf("success point = %+v dist %+v", p, p.Dist)
	}
	if got := p.SetDimensions(1); len(got) != 1 || got[0] != (KV{"Status", "success"}) {
		t.Errorf("rollup set = %v", got)
	}
	if p := byKey["JobDuration,Status=failed"]; len(p.Sets) != 1 {
		t.Errorf("failed point sets = %v, want only the Status set", p.Sets)
	}
	if p := byKey["JobsCompleted,Status=success"]; p.Value != 3 || p.Unit != "Count" {
		t.Errorf("counter point = %+v", p)
	}
	if p := byKey["QueueWaiting"]; p.Value != 7 || len(p.Sets) != 1 || len(p.Sets[0]) != 0 {
		t.Errorf("gauge point = %+v", p)
	}
}

// A resource dimension goes only into the sets that name it: the
// dimensionless gauge stays dimensionless, and the per-worker set sits
// beside the rule's own sets instead of replacing them.
func TestResourceDimensionsOnlyWhereNamed(t *testing.T) {
	t.Parallel()
	rules := append(slices.Clone(testRules), Rule{
		Instrument: "jobs.total", Name: "Jobs",
		Dimensions:    []Dimension{{"job.status", "Status"}},
		DimensionSets: [][]string{{"Status"}, {}, {"WorkerId"}},
	})
	m, err := NewMapper(rules, WithResourceDimensions(Dimension{"service.instance.id", "WorkerId"}))
	if err != nil {
		t.Fatal(err)
	}
	rm := collect(t, func(mt metric.Meter) {
		g, _ := mt.Int64Gauge("queue.waiting")
		g.Record(context.Background(), 1)
		c, _ := mt.Int64Counter("jobs.total")
		c.Add(context.Background(), 2, metric.WithAttributes(attribute.String("job.status", "ok")))
	})
	got := map[string][]string{}
	m.Translate(rm, func(p Point) {
		for i := range p.Sets {
			got[p.Name] = append(got[p.Name], fmt.Sprint(p.SetDimensions(i)))
		}
	})
	want := map[string][]string{
		"QueueWaiting": {"[]"},
		"Jobs":         {"[{Status ok}]", "[]", "[{WorkerId w-1}]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sets = %v, want %v", got, want)
	}
	if _, err := NewMapper([]Rule{{Instrument: "x", Name: "X", Dimensions: []Dimension{{"a", "WorkerId"}}}},
		WithResourceDimensions(Dimension{"service.instance.id", "WorkerId"})); err == nil {
		t.Error("a rule dimension named like a resource dimension was accepted")
	}
}

func TestNewMapperRejectsBadRules(t *testing.T) {
	t.Parallel()
	many := make([]string, 31)
	dims := make([]Dimension, 31)
	for i := range many {
		many[i] = string(rune('A'+i%26)) + string(rune('a'+i/26))
		dims[i] = Dimension{"a" + many[i], many[i]}
	}
	tests := map[string][]Rule{
		"empty name":        {{Instrument: "x"}},
		"non-ascii name":    {{Instrument: "x", Name: "Jobs✓"}},
		"unknown dimension": {{Instrument: "x", Name: "X", DimensionSets: [][]string{{"Nope"}}}},
		"31 dimensions":     {{Instrument: "x", Name: "X", Dimensions: dims, DimensionSets: [][]string{many}}},
		"mapped twice":      {{Instrument: "x", Name: "X"}, {Instrument: "x", Name: "Y"}},
		"empty attribute":   {{Instrument: "x", Name: "X", Dimensions: []Dimension{{"", "S"}}}},
	}
	for name, rules := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewMapper(rules); err == nil {
				t.Error("NewMapper accepted an invalid rule")
			}
		})
	}
}

func TestUnit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"s": "Seconds", "ms": "Milliseconds", "By": "Bytes", "{job}": "Count", "{request}/s": "Count/Second",
		"1": "None", "": "None", "furlong": "None", "%": "Percent", "By/s": "Bytes/Second",
	} {
		if got := Unit(in); got != want {
			t.Errorf("Unit(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExponentialHistogram(t *testing.T) {
	t.Parallel()
	m, err := NewMapper([]Rule{{Instrument: "lat", Name: "Latency"}})
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader(
		sdkmetric.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector),
		sdkmetric.WithAggregationSelector(func(sdkmetric.InstrumentKind) sdkmetric.Aggregation {
			return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
		}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	h, _ := mp.Meter("t").Float64Histogram("lat")
	var sum float64
	for i := 1; i <= 1000; i++ {
		v := float64(i) / 100
		sum += v
		h.Record(context.Background(), v)
	}
	h.Record(context.Background(), 0)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var pts []Point
	m.Translate(&rm, func(p Point) { pts = append(pts, p) })
	if len(pts) != 1 || pts[0].Dist == nil {
		t.Fatalf("points = %+v", pts)
	}
	d := pts[0].Dist
	var c, s float64
	for i := range d.Values {
		c += d.Counts[i]
		s += d.Values[i] * d.Counts[i]
	}
	if c != 1001 || math.Abs(s-sum) > 1e-6 || d.Values[0] != 0 || d.Values[len(d.Values)-1] != 10 {
		t.Errorf("count %v sum %v (want %v) extremes %v..%v", c, s, sum, d.Values[0], d.Values[len(d.Values)-1])
	}
	if p50 := percentile(d.Values, d.Counts, 50); math.Abs(p50-5) > 0.1 {
		t.Errorf("p50 = %v, want about 5", p50)
	}
}
