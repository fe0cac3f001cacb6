package cloudwatch

import (
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

// Hand-built metric data, for tests that call Export directly.

var fixedNow = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func fixedClock() time.Time { return fixedNow }

func resourceMetrics(ms ...metricdata.Metrics) *metricdata.ResourceMetrics {
	return &metricdata.ResourceMetrics{
		Resource:     resource.Empty(),
		ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: ms}},
	}
}

func seriesAttrs(i int) attribute.Set {
	return attribute.NewSet(attribute.String("series", fmt.Sprintf("s%05d", i)))
}

// seriesGauge is n gauge series of "series.value", series i at value i.
func seriesGauge(n int, ts time.Time) metricdata.Metrics {
	dps := make([]metricdata.DataPoint[float64], n)
	for i := range dps {
		dps[i] = metricdata.DataPoint[float64]{Attributes: seriesAttrs(i), Time: ts, Value: float64(i)}
	}
	return metricdata.Metrics{Name: "series.value", Unit: "{job}", Data: metricdata.Gauge[float64]{DataPoints: dps}}
}

// seriesCounter is n delta counter series of "series.count", each at v.
func seriesCounter(n int, ts time.Time, v int64) metricdata.Metrics {
	dps := make([]metricdata.DataPoint[int64], n)
	for i := range dps {
		dps[i] = metricdata.DataPoint[int64]{Attributes: seriesAttrs(i), StartTime: ts.Add(-time.Minute), Time: ts, Value: v}
	}
	return metricdata.Metrics{Name: "series.count", Unit: "{job}", Data: metricdata.Sum[int64]{
		DataPoints: dps, Temporality: metricdata.DeltaTemporality, IsMonotonic: true,
	}}
}

// seriesHistogram is n histogram series of "series.duration", each with
// buckets non-empty buckets of two values, which the mapper turns into
// buckets+2 distinct values (the exact min and max are values of their own).
func seriesHistogram(n, buckets int, ts time.Time) metricdata.Metrics {
	dps := make([]metricdata.HistogramDataPoint[float64], n)
	for i := range dps {
		dps[i] = histogramPoint(seriesAttrs(i), buckets, ts)
	}
	return metricdata.Metrics{Name: "series.duration", Unit: "s", Data: metricdata.Histogram[float64]{
		DataPoints: dps, Temporality: metricdata.DeltaTemporality,
	}}
}

func histogramPoint(attrs attribute.Set, buckets int, ts time.Time) metricdata.HistogramDataPoint[float64] {
	bounds := make([]float64, buckets-1)
	counts := make([]uint64, buckets)
	var sum float64
	for i := range counts {
		if i < len(bounds) {
			bounds[i] = float64(i + 1)
		}
		counts[i] = 2
		sum += 2 * (float64(i) + 0.5)
	}
	return metricdata.HistogramDataPoint[float64]{
		Attributes: attrs, StartTime: ts.Add(-time.Minute), Time: ts,
		Count: uint64(2 * buckets), Bounds: bounds, BucketCounts: counts, Sum: sum,
		Min: metricdata.NewExtrema(0.5), Max: metricdata.NewExtrema(float64(buckets) - 0.5),
	}
}

// mixed is one of everything the golden file shows.
func mixed(ts time.Time) *metricdata.ResourceMetrics {
	ok := attribute.NewSet(attribute.String("job.status", "success"), attribute.String("job.method", "http"),
		attribute.String("url", "https://example.com/never-a-dimension"))
	failed := attribute.NewSet(attribute.String("job.status", "failed"), attribute.String("job.method", "browser"))
	return resourceMetrics(
		metricdata.Metrics{Name: "jobs.completed", Unit: "{job}", Data: metricdata.Sum[int64]{
			Temporality: metricdata.DeltaTemporality, IsMonotonic: true,
			DataPoints: []metricdata.DataPoint[int64]{
				{Attributes: ok, Time: ts, Value: 7},
				{Attributes: failed, Time: ts, Value: 2},
			},
		}},
		metricdata.Metrics{Name: "job.duration", Unit: "s", Data: metricdata.Histogram[float64]{
			Temporality: metricdata.DeltaTemporality,
			DataPoints: []metricdata.HistogramDataPoint[float64]{{
				Attributes: ok, Time: ts, Count: 5, Bounds: []float64{0.1, 1, 10}, BucketCounts: []uint64{1, 3, 1, 0},
				Sum: 9.05, Min: metricdata.NewExtrema(0.05), Max: metricdata.NewExtrema(6.0),
			}},
		}},
		metricdata.Metrics{Name: "queue.waiting", Unit: "{job}", Data: metricdata.Gauge[int64]{
			DataPoints: []metricdata.DataPoint[int64]{{Time: ts, Value: 12}},
		}},
		metricdata.Metrics{Name: "series.value", Unit: "1", Data: metricdata.Gauge[float64]{
			DataPoints: []metricdata.DataPoint[float64]{
				{Attributes: seriesAttrs(1), Time: ts, Value: math.NaN()},
				{Attributes: seriesAttrs(2), Time: ts, Value: math.Inf(1)},
				{Attributes: seriesAttrs(3), Time: ts, Value: 0.25},
			},
		}},
		seriesHistogram(1, 160, ts), // 162 values: two datums
		metricdata.Metrics{Name: "not.mapped", Data: metricdata.Gauge[int64]{
			DataPoints: []metricdata.DataPoint[int64]{{Time: ts, Value: 1}},
		}},
	)
}

// longValued is one gauge series whose dimension value is long enough to
// need a wider CBOR string head.
func longValued(ts time.Time, value string) metricdata.Metrics {
	return metricdata.Metrics{Name: "series.value", Unit: "By", Data: metricdata.Gauge[float64]{
		DataPoints: []metricdata.DataPoint[float64]{{Attributes: attribute.NewSet(attribute.String("series", value)), Time: ts, Value: 1e100}},
	}}
}
