package publisher_test

import (
	"context"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/publisher"

	"github.com/crawler-service/crawler/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}

// queueGauges is how many gauges the publisher reports: the table's
// observable gauges from the metric publisher.
var queueGauges = func() int {
	n := 0
	for _, d := range metrics.Table {
		if d.From == "metric-publisher" && d.Kind == metrics.ObservableGauge {
			n++
		}
	}
	return n
}()

// view is one collection: gauge values by instrument name, and the read
// error count.
type view struct {
	gauges     map[string]float64
	readErrors int64
}

func collect(t *testing.T, r *sdkmetric.ManualReader) view {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	v := view{gauges: map[string]float64{}}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Gauge[float64]:
				for _, dp := range d.DataPoints {
					v.gauges[m.Name] = dp.Value
				}
			case metricdata.Sum[int64]:
				if m.Name == metrics.PublisherReadErrors.Name {
					for _, dp := range d.DataPoints {
						v.readErrors += dp.Value
					}
				}
			}
		}
	}
	return v
}

// run starts p.Run and returns a stop that cancels it and waits.
func run(t *testing.T, p *publisher.Publisher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v, want nil", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newReader(t *testing.T) (*sdkmetric.ManualReader, *sdkmetric.MeterProvider) {
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return r, mp
}
