package cloudwatch

import (
	"context"
	"fmt"

	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// API is the part of the CloudWatch client the exporter uses;
// *cloudwatch.Client satisfies it.
type API interface {
	PutMetricData(ctx context.Context, in *cw.PutMetricDataInput, optFns ...func(*cw.Options)) (*cw.PutMetricDataOutput, error)
}

// Exporter is an sdk/metric Exporter that also reports its own health.
type Exporter interface {
	sdkmetric.Exporter
	// Stats returns the counters since New; safe to call at any time.
	Stats() Stats
}

type exporter struct {
	cfg        config
	resolution *int32 // shared by every datum, never written
	overhead   int    // request bytes besides the datums
	// sending admits one flush at a time: a second one would find the
	// queue empty anyway. A channel, so waiting for it honours ctx.
	sending chan struct{}
	queue   queue
	stats   counters
}

var _ sdkmetric.Exporter = (*exporter)(nil)

// New returns an exporter configured by opts; WithClient (or
// WithAWSConfig), WithNamespace and WithMapper are required.
func New(opts ...Option) (Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("cloudwatch: new exporter: %w", err)
	}
	res := int32(cfg.resolution)
	return &exporter{
		cfg:        cfg,
		resolution: &res,
		overhead:   requestOverhead(cfg.namespace),
		sending:    make(chan struct{}, 1),
		queue:      queue{max: cfg.maxBuffered},
	}, nil
}

// Temporality asks for deltas of counters and histograms, so each export
// carries the interval's increase and its own distribution, while up-down
// counters stay cumulative: their level is what a CloudWatch gauge shows.
func (e *exporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DeltaTemporalitySelector(k)
}

// Aggregation is the SDK default: explicit-bucket histograms, which the
// mapper turns into Values and Counts.
func (e *exporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

// Export translates rm and sends it with anything kept from earlier
// exports. It returns when every request has succeeded or failed, or ctx
// ends; rm is not used after it returns.
func (e *exporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.queue.isClosed() {
		return fmt.Errorf("cloudwatch: export: %w", sdkmetric.ErrExporterShutdown)
	}
	ds, st, invalid := translate(e.cfg.mapper, rm, e.resolution)
	e.stats.addTranslation(st, invalid)
	if err := e.flush(ctx, ds); err != nil {
		return fmt.Errorf("cloudwatch: export: %w", err)
	}
	return nil
}

// ForceFlush sends the datums kept from failed exports.
func (e *exporter) ForceFlush(ctx context.Context) error {
	if err := e.flush(ctx, nil); err != nil {
		return fmt.Errorf("cloudwatch: force flush: %w", err)
	}
	return nil
}

// Shutdown refuses further exports and sends what is kept. The
// PeriodicReader exports the last interval before calling it, so that
// interval goes out too. Calling it again retries whatever is still kept.
func (e *exporter) Shutdown(ctx context.Context) error {
	e.queue.close()
	if err := e.flush(ctx, nil); err != nil {
		return fmt.Errorf("cloudwatch: shutdown: %w", err)
	}
	return nil
}

// Stats reads the counters; the buffered count is taken under the queue lock.
func (e *exporter) Stats() Stats {
	s := e.stats.snapshot()
	s.Buffered = e.queue.len()
	return s
}
