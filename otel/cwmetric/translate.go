package cwmetric

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// KV is one dimension: a CloudWatch dimension name and its value.
type KV struct{ Name, Value string }

// Point is one data point ready for CloudWatch: a value (Dist == nil) or a
// distribution, with every dimension value it has and the dimension sets it
// is published under.
type Point struct {
	Name       string
	Unit       string
	Time       time.Time
	Dimensions []KV    // union of the dimensions of all sets, in rule order
	Sets       [][]int // each set as indexes into Dimensions
	Value      float64
	Dist       *Distribution
}

// SetDimensions returns the dimensions of set i.
func (p Point) SetDimensions(i int) []KV {
	kvs := make([]KV, len(p.Sets[i]))
	for j, k := range p.Sets[i] {
		kvs[j] = p.Dimensions[k]
	}
	return kvs
}

// Stats counts what Translate did with the data points it saw. Everything
// not emitted is counted under one reason.
type Stats struct {
	Points           int // points emitted
	Unmapped         int // data points of instruments without a rule: not published
	NonFinite        int // NaN, ±Inf or beyond CloudWatch's range: dropped
	MissingDimension int // dimension sets skipped because a point lacked the attribute or its value was invalid
	Unsupported      int // data points of an aggregation CloudWatch cannot take (summaries)
}

// Add accumulates o into s.
func (s *Stats) Add(o Stats) {
	s.Points += o.Points
	s.Unmapped += o.Unmapped
	s.NonFinite += o.NonFinite
	s.MissingDimension += o.MissingDimension
	s.Unsupported += o.Unsupported
}

// maxValue is CloudWatch's range: values beyond ±2^360 are rejected.
var maxValue = math.Ldexp(1, 360)

// Translate walks rm and calls emit for every publishable point. It keeps
// nothing of rm after returning. Sums are taken as they come: exporters ask
// the SDK for delta temporality, so a monotonic sum is the interval's
// increase, and an up-down counter (cumulative under the delta selector) is
// the current level, as CloudWatch expects of a gauge.
func (m *Mapper) Translate(rm *metricdata.ResourceMetrics, emit func(Point)) Stats {
	var st Stats
	var res map[string]string // resource dimension name → value
	if len(m.resource) > 0 && rm.Resource != nil {
		res = make(map[string]string, len(m.resource))
		for _, d := range m.resource {
			v, ok := rm.Resource.Set().Value(attribute.Key(d.Attribute))
			if s := v.Emit(); ok && validValue(s) {
				res[d.Name] = s
			}
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, md := range sm.Metrics {
			r, ok := m.rules[md.Name]
			if !ok {
				st.Unmapped += countPoints(md.Data)
				continue
			}
			t := translator{rule: r, unit: Unit(md.Unit), res: res, emit: emit, st: &st}
			t.metric(md.Data)
		}
	}
	return st
}

type translator struct {
	rule *compiledRule
	unit string
	res  map[string]string
	emit func(Point)
	st   *Stats
}

func (t translator) metric(data metricdata.Aggregation) {
	switch a := data.(type) {
	case metricdata.Sum[int64]:
		for _, dp := range a.DataPoints {
			t.value(dp.Attributes, dp.Time, float64(dp.Value))
		}
	case metricdata.Sum[float64]:
		for _, dp := range a.DataPoints {
			t.value(dp.Attributes, dp.Time, dp.Value)
		}
	case metricdata.Gauge[int64]:
		for _, dp := range a.DataPoints {
			t.value(dp.Attributes, dp.Time, float64(dp.Value))
		}
	case metricdata.Gauge[float64]:
		for _, dp := range a.DataPoints {
			t.value(dp.Attributes, dp.Time, dp.Value)
		}
	case metricdata.Histogram[int64]:
		for _, dp := range a.DataPoints {
			mn, okMin := dp.Min.Value()
			mx, okMax := dp.Max.Value()
			d, ok := FromHistogram(dp.Bounds, dp.BucketCounts, dp.Count, float64(dp.Sum), float64(mn), float64(mx), okMin && okMax)
			t.dist(dp.Attributes, dp.Time, d, ok, dp.Count)
		}
	case metricdata.Histogram[float64]:
		for _, dp := range a.DataPoints {
			mn, okMin := dp.Min.Value()
			mx, okMax := dp.Max.Value()
			d, ok := FromHistogram(dp.Bounds, dp.BucketCounts, dp.Count, dp.Sum, mn, mx, okMin && okMax)
			t.dist(dp.Attributes, dp.Time, d, ok, dp.Count)
		}
	case metricdata.ExponentialHistogram[int64]:
		for _, dp := range a.DataPoints {
			d, ok := fromExponential(dp.Scale, dp.ZeroCount, dp.PositiveBucket, dp.NegativeBucket, dp.Count, float64(dp.Sum), dp.Min, dp.Max)
			t.dist(dp.Attributes, dp.Time, d, ok, dp.Count)
		}
	case metricdata.ExponentialHistogram[float64]:
		for _, dp := range a.DataPoints {
			d, ok := fromExponential(dp.Scale, dp.ZeroCount, dp.PositiveBucket, dp.NegativeBucket, dp.Count, dp.Sum, dp.Min, dp.Max)
			t.dist(dp.Attributes, dp.Time, d, ok, dp.Count)
		}
	default:
		t.st.Unsupported += countPoints(data)
	}
}

func (t translator) value(attrs attribute.Set, ts time.Time, v float64) {
	if !finite(v) || math.Abs(v) > maxValue {
		t.st.NonFinite++
		return
	}
	p, ok := t.point(attrs, ts)
	if !ok {
		return
	}
	p.Value = v
	t.emit(p)
	t.st.Points++
}

func (t translator) dist(attrs attribute.Set, ts time.Time, d Distribution, ok bool, count uint64) {
	if count == 0 { // an empty delta interval: nothing to publish
		return
	}
	if !ok || math.Abs(d.Sum) > maxValue {
		t.st.NonFinite++
		return
	}
	p, ok := t.point(attrs, ts)
	if !ok {
		return
	}
	p.Dist = &d
	t.emit(p)
	t.st.Points++
}

// point resolves the dimension values of one data point and keeps the sets
// whose every dimension it has.
func (t translator) point(attrs attribute.Set, ts time.Time) (Point, bool) {
	p := Point{Name: t.rule.name, Unit: t.unit, Time: ts}
	have := make([]int, len(t.rule.dims)) // index in p.Dimensions + 1, 0 = missing
	for i, d := range t.rule.dims {
		if t.rule.fromResource[i] {
			if s, ok := t.res[d.Name]; ok {
				p.Dimensions = append(p.Dimensions, KV{d.Name, s})
				have[i] = len(p.Dimensions)
			}
			continue
		}
		v, ok := attrs.Value(attribute.Key(d.Attribute))
		if s := v.Emit(); ok && validValue(s) {
			p.Dimensions = append(p.Dimensions, KV{d.Name, s})
			have[i] = len(p.Dimensions)
		}
	}
	for _, set := range t.rule.sets {
		idx := make([]int, 0, len(set))
		complete := true
		for _, i := range set {
			if have[i] == 0 {
				complete = false
				break
			}
			idx = append(idx, have[i]-1)
		}
		if !complete {
			t.st.MissingDimension++
			continue
		}
		p.Sets = append(p.Sets, idx)
	}
	return p, len(p.Sets) > 0
}

func validValue(s string) bool {
	return s != "" && len(s) <= MaxDimensionValueLen && validText("", s) == nil
}

func countPoints(data metricdata.Aggregation) int {
	switch a := data.(type) {
	case metricdata.Sum[int64]:
		return len(a.DataPoints)
	case metricdata.Sum[float64]:
		return len(a.DataPoints)
	case metricdata.Gauge[int64]:
		return len(a.DataPoints)
	case metricdata.Gauge[float64]:
		return len(a.DataPoints)
	case metricdata.Histogram[int64]:
		return len(a.DataPoints)
	case metricdata.Histogram[float64]:
		return len(a.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		return len(a.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		return len(a.DataPoints)
	case metricdata.Summary:
		return len(a.DataPoints)
	}
	return 0
}
