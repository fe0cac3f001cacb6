package emf

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// collect translates rm into items. With attribute properties, each data
// point goes through the mapper alone, because a cwmetric.Point no longer
// carries the attributes the properties come from.
func (e *exporter) collect(rm *metricdata.ResourceMetrics) ([]item, cwmetric.Stats) {
	base := resourceProps(rm.Resource, e.cfg.resourceProps)
	// Sized like the previous export: intervals rarely differ much.
	items := make([]item, 0, e.lastItems.Load())
	defer func() { e.lastItems.Store(int64(len(items))) }()
	if len(e.cfg.attrProps) == 0 {
		st := e.cfg.mapper.Translate(rm, func(p cwmetric.Point) {
			items = append(items, item{point: p, props: base})
		})
		return items, st
	}
	var st cwmetric.Stats
	one := metricdata.ResourceMetrics{
		Resource:     rm.Resource,
		ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: make([]metricdata.Metrics, 1)}},
	}
	var props []cwmetric.KV
	emit := func(p cwmetric.Point) { items = append(items, item{point: p, props: props}) }
	for _, sm := range rm.ScopeMetrics {
		one.ScopeMetrics[0].Scope = sm.Scope
		for _, md := range sm.Metrics {
			eachPoint(md.Data, func(attrs attribute.Set, single metricdata.Aggregation) {
				props = attrProps(base, attrs, e.cfg.attrProps)
				one.ScopeMetrics[0].Metrics[0] = metricdata.Metrics{
					Name: md.Name, Description: md.Description, Unit: md.Unit, Data: single,
				}
				st.Add(e.cfg.mapper.Translate(&one, emit))
			})
		}
	}
	return items, st
}

func resourceProps(res *resource.Resource, props []cwmetric.Dimension) []cwmetric.KV {
	if res == nil || len(props) == 0 {
		return nil
	}
	var kvs []cwmetric.KV
	for _, p := range props {
		if v, ok := res.Set().Value(attribute.Key(p.Attribute)); ok {
			if s := v.Emit(); s != "" {
				kvs = append(kvs, cwmetric.KV{Name: p.Name, Value: s})
			}
		}
	}
	return kvs
}

func attrProps(base []cwmetric.KV, attrs attribute.Set, props []cwmetric.Dimension) []cwmetric.KV {
	kvs := base[:len(base):len(base)] // never write into the shared base
	for _, p := range props {
		if v, ok := attrs.Value(attribute.Key(p.Attribute)); ok {
			if s := v.Emit(); s != "" {
				kvs = append(kvs, cwmetric.KV{Name: p.Name, Value: s})
			}
		}
	}
	return kvs
}

// eachPoint calls fn with every data point of data as an aggregation of its
// own. Aggregations it does not know are passed whole, for the mapper to
// count.
func eachPoint(data metricdata.Aggregation, fn func(attribute.Set, metricdata.Aggregation)) {
	switch a := data.(type) {
	case metricdata.Sum[int64]:
		sumPoints(a, fn)
	case metricdata.Sum[float64]:
		sumPoints(a, fn)
	case metricdata.Gauge[int64]:
		gaugePoints(a, fn)
	case metricdata.Gauge[float64]:
		gaugePoints(a, fn)
	case metricdata.Histogram[int64]:
		histogramPoints(a, fn)
	case metricdata.Histogram[float64]:
		histogramPoints(a, fn)
	case metricdata.ExponentialHistogram[int64]:
		expPoints(a, fn)
	case metricdata.ExponentialHistogram[float64]:
		expPoints(a, fn)
	default:
		fn(*attribute.EmptySet(), data)
	}
}

func sumPoints[N int64 | float64](a metricdata.Sum[N], fn func(attribute.Set, metricdata.Aggregation)) {
	all := a.DataPoints
	for i := range all {
		a.DataPoints = all[i : i+1 : i+1]
		fn(all[i].Attributes, a)
	}
}

func gaugePoints[N int64 | float64](a metricdata.Gauge[N], fn func(attribute.Set, metricdata.Aggregation)) {
	all := a.DataPoints
	for i := range all {
		a.DataPoints = all[i : i+1 : i+1]
		fn(all[i].Attributes, a)
	}
}

func histogramPoints[N int64 | float64](a metricdata.Histogram[N], fn func(attribute.Set, metricdata.Aggregation)) {
	all := a.DataPoints
	for i := range all {
		a.DataPoints = all[i : i+1 : i+1]
		fn(all[i].Attributes, a)
	}
}

func expPoints[N int64 | float64](a metricdata.ExponentialHistogram[N], fn func(attribute.Set, metricdata.Aggregation)) {
	all := a.DataPoints
	for i := range all {
		a.DataPoints = all[i : i+1 : i+1]
		fn(all[i].Attributes, a)
	}
}
