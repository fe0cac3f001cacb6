package metrics

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/crawler-service/crawler/internal/crawler"
)

// BenchmarkJobDone records one job completion (a histogram and a counter,
// two attributes) through the table's Worker, beside the raw SDK path doing
// the same with attribute sets and option slices built once. Compare the two
// within one run: go test -bench JobDone -benchmem ./internal/metrics
func BenchmarkJobDone(b *testing.B) {
	ctx := context.Background()
	b.Run("table", func(b *testing.B) {
		w, err := NewWorker(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			w.JobDone(ctx, 0.25, crawler.MethodHTTP, "", true)
		}
	})
	b.Run("raw-sdk", func(b *testing.B) {
		m := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())).Meter("raw")
		h, _ := m.Float64Histogram("d", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(JobDurationBuckets...))
		c, _ := m.Int64Counter("c")
		hopts := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(
			attribute.String(AttrStatus, "success"), attribute.String(AttrMethod, "http")))}
		copts := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrStatus, "success")))}
		b.ReportAllocs()
		for b.Loop() {
			h.Record(ctx, 0.25, hopts...)
			c.Add(ctx, 1, copts...)
		}
	})
}
