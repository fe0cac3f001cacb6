package cloudwatch

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// BenchmarkTranslate10k measures the pure part of an export of 10,000
// series: mapping, datum building, validation and batching.
func BenchmarkTranslate10k(b *testing.B) {
	ts := time.Now()
	tests := []struct {
		name string
		rm   *metricdata.ResourceMetrics
	}{
		{"counters", resourceMetrics(seriesCounter(10_000, ts, 3))},
		{"histograms_12_buckets", resourceMetrics(seriesHistogram(10_000, 12, ts))},
		{"mixed", resourceMetrics(seriesCounter(4_000, ts, 3), seriesGauge(4_000, ts), seriesHistogram(2_000, 12, ts))},
	}
	m := testMapper(b)
	res := int32(60)
	overhead := requestOverhead(testNamespace)
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			var datums, requests int
			for b.Loop() {
				ds, _, _ := translate(m, tt.rm, &res)
				bs, _ := batch(ds, maxRequestDatums, maxRequestBytes, overhead)
				datums, requests = len(ds), len(bs)
			}
			b.ReportMetric(float64(datums), "datums")
			b.ReportMetric(float64(requests), "requests")
		})
	}
}
