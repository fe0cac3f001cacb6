package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	m := testMapper(t)
	ok := []Option{WithClient(&fakeAPI{}), WithNamespace("Svc"), WithMapper(m)}
	with := func(opts ...Option) []Option { return append(append([]Option(nil), ok...), opts...) }
	tests := []struct {
		name string
		opts []Option
		want error // nil: New succeeds
	}{
		{"complete", ok, nil},
		{"from AWS config", []Option{WithAWSConfig(aws.Config{Region: "us-east-1"}), WithNamespace("Svc"), WithMapper(m)}, nil},
		{"high resolution", with(WithStorageResolution(1)), nil},
		{"no client", []Option{WithNamespace("Svc"), WithMapper(m)}, ErrNoClient},
		{"no mapper", []Option{WithClient(&fakeAPI{}), WithNamespace("Svc")}, ErrNoMapper},
		{"no namespace", []Option{WithClient(&fakeAPI{}), WithMapper(m)}, ErrNamespace},
		{"AWS namespace", with(WithNamespace("AWS/EC2")), ErrNamespace},
		{"non-ASCII namespace", with(WithNamespace("Crawlér")), ErrNamespace},
		{"long namespace", with(WithNamespace(string(make([]byte, 256)))), ErrNamespace},
		{"resolution 5", with(WithStorageResolution(5)), ErrStorageResolution},
		{"no concurrency", with(WithMaxConcurrency(0)), ErrLimit},
		{"no buffer", with(WithMaxBufferedDatums(0)), ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			exp, err := New(tt.opts...)
			if tt.want == nil {
				if err != nil || exp == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("New error = %v, want %v", err, tt.want)
			}
		})
	}
}

// Names CloudWatch would refuse never reach the exporter: the mapper it is
// given refuses them when it is built.
func TestMapperRefusesInvalidNames(t *testing.T) {
	t.Parallel()
	dims := make([]cwmetric.Dimension, 31)
	set := make([]string, 31)
	for i := range dims {
		dims[i] = cwmetric.Dimension{Attribute: fmt.Sprint("a", i), Name: fmt.Sprint("D", i)}
		set[i] = dims[i].Name
	}
	tests := []struct {
		name string
		rule cwmetric.Rule
	}{
		{"empty metric name", cwmetric.Rule{Instrument: "i"}},
		{"control character", cwmetric.Rule{Instrument: "i", Name: "Bad\nName"}},
		{"non-ASCII", cwmetric.Rule{Instrument: "i", Name: "Durée"}},
		{"long name", cwmetric.Rule{Instrument: "i", Name: string(make([]byte, 256))}},
		{"bad dimension name", cwmetric.Rule{Instrument: "i", Name: "M", Dimensions: []cwmetric.Dimension{{Attribute: "a", Name: "Ä"}}, DimensionSets: [][]string{{"Ä"}}}},
		{"31 dimensions", cwmetric.Rule{Instrument: "i", Name: "M", Dimensions: dims, DimensionSets: [][]string{set}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := cwmetric.NewMapper([]cwmetric.Rule{tt.rule}); err == nil {
				t.Fatal("NewMapper accepted an invalid rule")
			}
		})
	}
}

func TestTemporalityAndAggregation(t *testing.T) {
	t.Parallel()
	exp := newExporter(t, &fakeAPI{})
	tests := []struct {
		kind sdkmetric.InstrumentKind
		want metricdata.Temporality
	}{
		{sdkmetric.InstrumentKindCounter, metricdata.DeltaTemporality},
		{sdkmetric.InstrumentKindObservableCounter, metricdata.DeltaTemporality},
		{sdkmetric.InstrumentKindHistogram, metricdata.DeltaTemporality},
		{sdkmetric.InstrumentKindUpDownCounter, metricdata.CumulativeTemporality},
		{sdkmetric.InstrumentKindObservableUpDownCounter, metricdata.CumulativeTemporality},
		{sdkmetric.InstrumentKindGauge, metricdata.CumulativeTemporality},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			t.Parallel()
			if got := exp.Temporality(tt.kind); got != tt.want {
				t.Errorf("Temporality = %v, want %v", got, tt.want)
			}
			if _, ok := exp.Aggregation(sdkmetric.InstrumentKindHistogram).(sdkmetric.AggregationExplicitBucketHistogram); !ok {
				t.Errorf("histograms do not get the default explicit buckets")
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	exp := newExporter(t, api, withClock(fixedClock))
	ctx := ctxTimeout(t, 5*time.Second)
	for i := range 2 {
		if err := exp.ForceFlush(ctx); err != nil {
			t.Fatalf("ForceFlush %d: %v", i, err)
		}
	}
	for i := range 2 {
		if err := exp.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown %d: %v", i, err)
		}
	}
	err := exp.Export(ctx, resourceMetrics(seriesGauge(1, fixedNow)))
	if !errors.Is(err, sdkmetric.ErrExporterShutdown) {
		t.Fatalf("Export after Shutdown = %v, want ErrExporterShutdown", err)
	}
	if err := exp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush after Shutdown: %v", err)
	}
	if n := len(api.inputs()); n != 0 {
		t.Fatalf("%d requests sent with nothing to send", n)
	}
}

func TestErrorOutcomes(t *testing.T) {
	t.Parallel()
	invalid := &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "bad", Fault: smithy.FaultClient}
	throttled := &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded", Fault: smithy.FaultClient}
	tests := []struct {
		name         string
		err          error
		wantErr      error
		wantBuffered int
		wantRejected uint64
	}{
		{"invalid parameter", invalid, ErrRejected, 0, 10},
		{"throttled after retries", &retry.MaxAttemptsError{Attempt: 3, Err: throttled}, ErrNotDelivered, 10, 0},
		{"retry quota exhausted", errors.Join(throttled, errors.New("retry quota exceeded")), ErrNotDelivered, 10, 0},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, ErrNotDelivered, 10, 0},
		{"deadline", context.DeadlineExceeded, ErrNotDelivered, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{put: func(context.Context, *cw.PutMetricDataInput) error { return tt.err }}
			exp := newExporter(t, api, withClock(fixedClock))
			err := exp.Export(ctxTimeout(t, 5*time.Second), resourceMetrics(seriesGauge(10, fixedNow)))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Export = %v, want %v", err, tt.wantErr)
			}
			st := exp.Stats()
			if st.Buffered != tt.wantBuffered || st.Dropped.Rejected != tt.wantRejected || st.RequestsFailed != 1 {
				t.Fatalf("stats = %+v, want %d buffered, %d rejected, 1 failed request", st, tt.wantBuffered, tt.wantRejected)
			}
			// Nothing is retried inside Export beyond the client's own
			// retryer: one call, whatever the error.
			if n := len(api.inputs()); n != 1 {
				t.Fatalf("%d calls, want 1", n)
			}
		})
	}
}

func TestExportHonoursContext(t *testing.T) {
	t.Parallel()
	hang := &fakeAPI{put: func(ctx context.Context, _ *cw.PutMetricDataInput) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	exp := newExporter(t, hang, withClock(fixedClock))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := exp.Export(ctx, resourceMetrics(seriesGauge(5, fixedNow)))
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNotDelivered) {
		t.Fatalf("Export = %v, want deadline exceeded and not delivered", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Export took %v past a 50ms deadline", d)
	}
	if st := exp.Stats(); st.Buffered != 5 {
		t.Fatalf("buffered %d, want the 5 datums kept", st.Buffered)
	}

	// An Export that cannot even start keeps its datums as well.
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	_ = exp.Export(done, resourceMetrics(seriesGauge(3, fixedNow)))
	if st := exp.Stats(); st.Buffered != 8 {
		t.Fatalf("buffered %d, want 8", st.Buffered)
	}
}

func TestOutOfRangeDropped(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	exp := newExporter(t, api, withClock(fixedClock))
	rm := resourceMetrics(seriesGauge(4, fixedNow.Add(-15*24*time.Hour)), seriesCounter(3, fixedNow.Add(3*time.Hour), 1))
	if err := exp.Export(context.Background(), rm); err != nil {
		t.Fatalf("Export: %v", err)
	}
	st := exp.Stats()
	if st.Dropped.TooOld != 4 || st.Dropped.TooNew != 3 || len(api.inputs()) != 0 {
		t.Fatalf("stats = %+v, %d requests; want 4 too old, 3 too new, none sent", st, len(api.inputs()))
	}
}
