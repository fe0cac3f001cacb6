package cloudwatch

import (
	"context"
	"sync"
	"testing"
	"time"

	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
	"github.com/crawler-service/crawler/otel/cwmetric"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testNamespace = "ExporterTest"

// testRules is a small metrics table in the shape a service would give.
func testRules() []cwmetric.Rule {
	status := cwmetric.Dimension{Attribute: "job.status", Name: "Status"}
	method := cwmetric.Dimension{Attribute: "job.method", Name: "Method"}
	series := cwmetric.Dimension{Attribute: "series", Name: "Series"}
	return []cwmetric.Rule{
		{Instrument: "jobs.completed", Name: "JobsCompleted", Dimensions: []cwmetric.Dimension{status, method},
			DimensionSets: [][]string{{"Status"}, {"Status", "Method"}, {}}},
		{Instrument: "job.duration", Name: "JobDuration", Dimensions: []cwmetric.Dimension{status, method},
			DimensionSets: [][]string{{"Status", "Method"}, {}}},
		{Instrument: "queue.waiting", Name: "QueueWaiting"},
		{Instrument: "series.value", Name: "SeriesValue", Dimensions: []cwmetric.Dimension{series},
			DimensionSets: [][]string{{"Series"}}},
		{Instrument: "series.count", Name: "SeriesCount", Dimensions: []cwmetric.Dimension{series},
			DimensionSets: [][]string{{"Series"}}},
		{Instrument: "series.duration", Name: "SeriesDuration", Dimensions: []cwmetric.Dimension{series},
			DimensionSets: [][]string{{"Series"}}},
	}
}

func testMapper(t testing.TB) *cwmetric.Mapper {
	t.Helper()
	m, err := cwmetric.NewMapper(testRules())
	if err != nil {
		t.Fatalf("NewMapper: %v", err)
	}
	return m
}

func newServer(t *testing.T, opts ...cloudwatchtest.Option) *cloudwatchtest.Server {
	t.Helper()
	s := cloudwatchtest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// newExporter builds an exporter around api with the test mapper; opts
// come last and may override anything.
func newExporter(t testing.TB, api API, opts ...Option) *exporter {
	t.Helper()
	all := append([]Option{WithClient(api), WithNamespace(testNamespace), WithMapper(testMapper(t))}, opts...)
	exp, err := New(all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return exp.(*exporter)
}

// pipeline drives exp with a real SDK: the hour-long interval never
// fires, so every export is an explicit ForceFlush or Shutdown.
func pipeline(t *testing.T, exp sdkmetric.Exporter, opts ...sdkmetric.Option) *sdkmetric.MeterProvider {
	t.Helper()
	opts = append(opts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))))
	mp := sdkmetric.NewMeterProvider(opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = mp.Shutdown(ctx)
	})
	return mp
}

// fakeAPI is a client double for the paths the real server cannot reach.
type fakeAPI struct {
	put func(ctx context.Context, in *cw.PutMetricDataInput) error

	mu    sync.Mutex
	calls []*cw.PutMetricDataInput
}

func (f *fakeAPI) PutMetricData(ctx context.Context, in *cw.PutMetricDataInput, _ ...func(*cw.Options)) (*cw.PutMetricDataOutput, error) {
	f.mu.Lock()
	f.calls = append(f.calls, in)
	f.mu.Unlock()
	if f.put != nil {
		if err := f.put(ctx, in); err != nil {
			return nil, err
		}
	}
	return &cw.PutMetricDataOutput{}, nil
}

func (f *fakeAPI) inputs() []*cw.PutMetricDataInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*cw.PutMetricDataInput(nil), f.calls...)
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func (e *exporter) queueCap() int { return e.queue.capacity() }
