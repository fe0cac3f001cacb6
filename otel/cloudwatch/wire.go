package cloudwatch

import (
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// CloudWatch's documented limits for one datum.
const (
	maxDistValues = 150 // Values (and Counts) per datum
	maxDimensions = 30
	maxAge        = 14 * 24 * time.Hour // oldest timestamp accepted
	maxAhead      = 2 * time.Hour       // furthest future timestamp accepted
	// ageMargin keeps a datum from expiring between our check and
	// CloudWatch's, which would get the whole request refused.
	ageMargin = 5 * time.Minute
)

// maxValue is CloudWatch's range: values beyond ±2^360 are refused.
const maxValue = 0x1p360

// translate turns rm into datums. Nothing in the result refers to rm's
// mutable memory (attribute strings are immutable), so the datums may
// outlive the Export call.
func translate(m *cwmetric.Mapper, rm *metricdata.ResourceMetrics, res *int32) ([]types.MetricDatum, cwmetric.Stats, int) {
	out := make([]types.MetricDatum, 0, dataPoints(rm))
	invalid := 0
	st := m.Translate(rm, func(p cwmetric.Point) {
		var bad int
		out, bad = appendDatums(out, p, res)
		invalid += bad
	})
	return out, st, invalid
}

// dataPoints counts the data points of rm: the number of datums when each
// metric has one dimension set, so out grows at most a few times.
func dataPoints(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch a := m.Data.(type) {
			case metricdata.Sum[int64]:
				n += len(a.DataPoints)
			case metricdata.Sum[float64]:
				n += len(a.DataPoints)
			case metricdata.Gauge[int64]:
				n += len(a.DataPoints)
			case metricdata.Gauge[float64]:
				n += len(a.DataPoints)
			case metricdata.Histogram[int64]:
				n += len(a.DataPoints)
			case metricdata.Histogram[float64]:
				n += len(a.DataPoints)
			case metricdata.ExponentialHistogram[int64]:
				n += len(a.DataPoints)
			case metricdata.ExponentialHistogram[float64]:
				n += len(a.DataPoints)
			}
		}
	}
	return n
}

// shared holds what the datums of one point have in common, in one
// allocation.
type shared struct {
	name  string
	time  time.Time
	value float64
}

// appendDatums appends one datum per dimension set of p, or per part of at
// most 150 values of its distribution, and returns how many failed
// validation and were left out. Datums of one point share their name,
// timestamp and value pointers: nothing ever writes through them.
func appendDatums(dst []types.MetricDatum, p cwmetric.Point, res *int32) ([]types.MetricDatum, int) {
	sh := &shared{name: p.Name, time: p.Time, value: p.Value}
	base := types.MetricDatum{MetricName: &sh.name, Timestamp: &sh.time, Unit: types.StandardUnit(p.Unit), StorageResolution: res}
	var parts []cwmetric.Distribution
	if p.Dist != nil {
		parts = p.Dist.Split(maxDistValues)
	} else {
		base.Value = &sh.value
	}
	invalid := 0
	for i := range p.Sets {
		d := base
		d.Dimensions = dimensions(p, i)
		if p.Dist == nil {
			if validDatum(&d) {
				dst = append(dst, d)
			} else {
				invalid++
			}
			continue
		}
		for _, part := range parts {
			d.Values, d.Counts = part.Values, part.Counts
			if validDatum(&d) {
				dst = append(dst, d)
			} else {
				invalid++
			}
		}
	}
	return dst, invalid
}

// dimensions points into p.Dimensions, which the mapper builds afresh for
// every point, instead of copying each name and value.
func dimensions(p cwmetric.Point, set int) []types.Dimension {
	idx := p.Sets[set]
	if len(idx) == 0 {
		return nil
	}
	dims := make([]types.Dimension, len(idx))
	for j, k := range idx {
		dims[j] = types.Dimension{Name: &p.Dimensions[k].Name, Value: &p.Dimensions[k].Value}
	}
	return dims
}

// validDatum re-checks what CloudWatch would refuse the whole request for.
// The mapper already guarantees most of it; a datum failing here is a bug
// upstream, and dropping it alone saves the rest of its request.
func validDatum(d *types.MetricDatum) bool {
	if d.MetricName == nil || *d.MetricName == "" || len(d.Dimensions) > maxDimensions {
		return false
	}
	if d.Value != nil {
		return validNumber(*d.Value)
	}
	if len(d.Values) == 0 || len(d.Values) > maxDistValues || len(d.Counts) != len(d.Values) {
		return false
	}
	for i, v := range d.Values {
		if !validNumber(v) || !validNumber(d.Counts[i]) || d.Counts[i] < 0 {
			return false
		}
	}
	return true
}

func validNumber(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) <= maxValue
}

// inRange reports whether CloudWatch still accepts t at now: -1 too old,
// +1 too far ahead, 0 fine.
func inRange(t, now time.Time) int {
	switch {
	case t.Before(now.Add(-maxAge + ageMargin)):
		return -1
	case t.After(now.Add(maxAhead - ageMargin)):
		return 1
	}
	return 0
}
