package emf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// TestSDKPipeline drives a real MeterProvider: the last interval is written
// on Shutdown, counters arrive as deltas, rollups and properties are in place.
func TestSDKPipeline(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	var out bytes.Buffer
	buf := bufio.NewWriter(&out) // Shutdown must flush it
	exp, err := New(WithNamespace("Test"), WithMapper(testMapper(t, testRules())), WithWriter(buf),
		WithProperties(cwmetric.Dimension{Attribute: "service.instance.id", Name: "WorkerId"}))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.instance.id", "worker-7"))),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))))
	meter := mp.Meter("test")
	dur, _ := meter.Float64Histogram("job.duration", metric.WithUnit("s"))
	done, _ := meter.Int64Counter("job.completed", metric.WithUnit("{job}"))
	waiting, _ := meter.Int64UpDownCounter("queue.waiting", metric.WithUnit("{job}"))
	ok := metric.WithAttributes(attribute.String("job.status", "success"), attribute.String("job.method", "http"))
	ctx := t.Context()

	done.Add(ctx, 5, ok)
	waiting.Add(ctx, 7)
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	done.Add(ctx, 3, ok)
	waiting.Add(ctx, -2)
	for _, d := range []float64{0.2, 0.4, 1.5} {
		dur.Record(ctx, d, ok)
	}
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	var completed, queue []float64
	var hist map[string]any
	for _, d := range v.lines(t, out.Bytes()) {
		if d["WorkerId"] != "worker-7" {
			t.Errorf("WorkerId property missing: %v", d)
		}
		dir := d["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
		for _, set := range dir["Dimensions"].([]any) {
			if slices.Contains(set.([]any), any("WorkerId")) {
				t.Errorf("WorkerId became a dimension: %v", dir["Dimensions"])
			}
		}
		if x, ok := d["WorkerJobsCompleted"]; ok {
			completed = append(completed, num(t, x))
		}
		if x, ok := d["QueueWaitingJobs"]; ok {
			queue = append(queue, num(t, x))
		}
		if x, ok := d["WorkerJobDuration"]; ok {
			hist = x.(map[string]any)
			if got := len(dir["Dimensions"].([]any)); got != 2 {
				t.Errorf("WorkerJobDuration has %d dimension sets, want the 2 rollups", got)
			}
		}
	}
	if !slices.Equal(completed, []float64{5, 3}) {
		t.Errorf("WorkerJobsCompleted = %v, want deltas [5 3]", completed)
	}
	if !slices.Equal(queue, []float64{7, 5}) {
		t.Errorf("QueueWaitingJobs = %v, want levels [7 5]", queue)
	}
	if hist == nil || num(t, hist["Count"]) != 3 || num(t, hist["Min"]) != 0.2 || num(t, hist["Max"]) != 1.5 {
		t.Errorf("WorkerJobDuration = %v, want count 3 over [0.2, 1.5]", hist)
	}
}

func TestDrops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rm         *metricdata.ResourceMetrics
		wantDatums uint64
		want       map[string]uint64
	}{
		{
			name:       "non-finite",
			rm:         rmOf(gauge("queue.waiting", fpt(math.NaN(), attrs()), fpt(math.Inf(1), attrs("a", "b")), fpt(3, attrs("a", "c")))),
			wantDatums: 1, want: map[string]uint64{ReasonNonFinite: 2},
		},
		{
			name:       "unmapped and missing dimension",
			rm:         rmOf(gauge("not.mapped", fpt(1, attrs())), counter("job.completed", ipt(1, attrs()))),
			wantDatums: 0, want: map[string]uint64{ReasonUnmapped: 1, ReasonMissingDimension: 1},
		},
		{
			name: "too old and too new",
			rm: rmOf(gauge("queue.waiting",
				metricdata.DataPoint[float64]{Time: t0.Add(-15 * 24 * time.Hour), Value: 1},
				metricdata.DataPoint[float64]{Time: t0.Add(3 * time.Hour), Value: 2, Attributes: attrs("a", "b")},
				metricdata.DataPoint[float64]{Time: t0.Add(-13 * 24 * time.Hour), Value: 3, Attributes: attrs("a", "c")})),
			wantDatums: 1, want: map[string]uint64{ReasonTooOld: 1, ReasonTooNew: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			e := newTestExporter(t, &out)
			if err := e.Export(t.Context(), tt.rm); err != nil {
				t.Fatal(err)
			}
			newValidator(t).lines(t, out.Bytes())
			st := e.Stats()
			if st.Datums != tt.wantDatums {
				t.Errorf("Datums = %d, want %d", st.Datums, tt.wantDatums)
			}
			for _, r := range reasons {
				if st.Dropped[r] != tt.want[r] {
					t.Errorf("Dropped[%s] = %d, want %d", r, st.Dropped[r], tt.want[r])
				}
			}
		})
	}
}

// writerFunc is a fake writer.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

var errBoom = errors.New("boom")

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	twoLines := rmOf(
		counter("job.completed", ipt(1, attrs("job.status", "success")), ipt(1, attrs("job.status", "failed"))))
	tests := []struct {
		name         string
		write        func(calls int, p []byte) (int, error) // calls counts from 1
		wantErr      bool
		wantRequests uint64
		wantFailed   uint64
		wantDropped  uint64
		wantDatums   uint64
	}{
		{
			name:    "always fails",
			write:   func(int, []byte) (int, error) { return 0, errBoom },
			wantErr: true, wantRequests: writeAttempts, wantFailed: writeAttempts, wantDropped: 2,
		},
		{
			name:    "partial line is not retried",
			write:   func(int, []byte) (int, error) { return 5, errBoom },
			wantErr: true, wantRequests: 1, wantFailed: 1, wantDropped: 2,
		},
		{
			name: "one failure is retried",
			write: func(calls int, p []byte) (int, error) {
				if calls == 1 {
					return 0, errBoom
				}
				return len(p), nil
			},
			wantRequests: 3, wantFailed: 1, wantDatums: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			e := newTestExporter(t, writerFunc(func(p []byte) (int, error) {
				calls++
				return tt.write(calls, p)
			}))
			err := e.Export(t.Context(), twoLines)
			if (err != nil) != tt.wantErr || (tt.wantErr && !errors.Is(err, errBoom)) {
				t.Fatalf("Export = %v, want error %v wrapping %v", err, tt.wantErr, errBoom)
			}
			st := e.Stats()
			if st.Requests != tt.wantRequests || st.RequestsFailed != tt.wantFailed ||
				st.Dropped[ReasonWriteFailed] != tt.wantDropped || st.Datums != tt.wantDatums {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	rm := rmOf(counter("job.completed",
		ipt(1, attrs("job.status", "a")), ipt(1, attrs("job.status", "b")), ipt(1, attrs("job.status", "c"))))
	t.Run("canceled before", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		e := newTestExporter(t, &out)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := e.Export(ctx, rm); !errors.Is(err, context.Canceled) {
			t.Fatalf("Export = %v, want context.Canceled", err)
		}
		if out.Len() != 0 || e.Stats().Requests != 0 {
			t.Errorf("wrote %q", out.String())
		}
		if err := e.ForceFlush(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("ForceFlush = %v, want context.Canceled", err)
		}
	})
	t.Run("canceled between lines", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		lines := 0
		e := newTestExporter(t, writerFunc(func(p []byte) (int, error) {
			lines++
			cancel()
			return len(p), nil
		}))
		if err := e.Export(ctx, rm); !errors.Is(err, context.Canceled) {
			t.Fatalf("Export = %v, want context.Canceled", err)
		}
		if st := e.Stats(); lines != 1 || st.Datums != 1 || st.Dropped[ReasonCanceled] != 2 {
			t.Errorf("%d lines, Stats = %+v; want 1 written and 2 canceled", lines, st)
		}
	})
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newTestExporter(t, &bytes.Buffer{})
	for range 2 {
		if err := e.ForceFlush(ctx); err != nil {
			t.Fatalf("ForceFlush: %v", err)
		}
	}
	for range 2 {
		if err := e.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	if err := e.Export(ctx, rmOf()); !errors.Is(err, sdkmetric.ErrExporterShutdown) {
		t.Errorf("Export after Shutdown = %v, want ErrExporterShutdown", err)
	}
	if err := e.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush after Shutdown: %v", err)
	}
	for _, k := range []sdkmetric.InstrumentKind{sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindHistogram,
		sdkmetric.InstrumentKindUpDownCounter, sdkmetric.InstrumentKindObservableGauge} {
		if got, want := e.Temporality(k), sdkmetric.DeltaTemporalitySelector(k); got != want {
			t.Errorf("Temporality(%v) = %v, want %v", k, got, want)
		}
	}
}

// TestConcurrentExport runs under -race: lines must never interleave.
func TestConcurrentExport(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer // not safe for concurrent use: the exporter's lock must protect it
	e := newTestExporter(t, &out)
	rm := rmOf(
		counter("job.completed", ipt(1, attrs("job.status", "success")), ipt(2, attrs("job.status", "failed"))),
		histogram("job.duration", hpt(attrs("job.status", "success", "job.method", "http"), nil, 1, 2, 30)),
	)
	const goroutines, exports = 8, 25
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range exports {
				if err := e.Export(t.Context(), rm); err != nil {
					t.Error(err)
				}
				_ = e.Stats()
				_ = e.ForceFlush(t.Context())
			}
		})
	}
	wg.Wait()
	docs := newValidator(t).lines(t, out.Bytes())
	if want := goroutines * exports * 3; len(docs) != want {
		t.Errorf("%d lines, want %d", len(docs), want)
	}
	if st := e.Stats(); st.Documents != uint64(len(docs)) || st.Bytes != uint64(out.Len()) {
		t.Errorf("Stats = %+v, wrote %d lines, %d bytes", st, len(docs), out.Len())
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	m := testMapper(t, testRules())
	prop := func(attr, name string) Option {
		return WithProperties(cwmetric.Dimension{Attribute: attr, Name: name})
	}
	tests := []struct {
		name string
		opts []Option
		want error
	}{
		{name: "no mapper", opts: []Option{WithNamespace("NS")}, want: ErrNoMapper},
		{name: "no namespace", opts: []Option{WithMapper(m)}, want: ErrNamespace},
		{name: "control character in namespace", opts: []Option{WithMapper(m), WithNamespace("a\nb")}, want: ErrNamespace},
		{name: "resolution", opts: []Option{WithMapper(m), WithNamespace("NS"), WithStorageResolution(5)}, want: ErrStorageResolution},
		{name: "property named _aws", opts: []Option{WithMapper(m), WithNamespace("NS"), prop("a", "_aws")}, want: ErrProperty},
		{name: "property without attribute", opts: []Option{WithMapper(m), WithNamespace("NS"), prop("", "X")}, want: ErrProperty},
		{name: "property twice", opts: []Option{WithMapper(m), WithNamespace("NS"), prop("a", "X"),
			WithAttributeProperties(cwmetric.Dimension{Attribute: "b", Name: "X"})}, want: ErrProperty},
		{name: "valid", opts: []Option{WithMapper(m), WithNamespace("NS"), WithStorageResolution(1), prop("a", "X")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts...)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("New = %v, want %v", err, tt.want)
			}
		})
	}
}
