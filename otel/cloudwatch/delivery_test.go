package cloudwatch

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// Tests against the fake CloudWatch: the real SDK client, its real wire
// protocol, CloudWatch's limits enforced on arrival.

// seriesKey names a datum's metric and dimension set.
func seriesKey(d cloudwatchtest.Datum) string {
	var b strings.Builder
	b.WriteString(d.MetricName)
	for _, dim := range d.Dimensions {
		b.WriteString("|" + dim.Name + "=" + dim.Value)
	}
	return b.String()
}

type totals struct{ count, sum float64 }

func TestRecordedEqualsArrived(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	exp := newExporter(t, s.Client())
	mp := pipeline(t, exp)
	meter := mp.Meter("test")
	completed, err := meter.Int64Counter("jobs.completed", metric.WithUnit("{job}"))
	if err != nil {
		t.Fatal(err)
	}
	duration, err := meter.Float64Histogram("job.duration", metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]totals{}
	add := func(key string, count, sum float64) {
		w := want[key]
		w.count, w.sum = w.count+count, w.sum+sum
		want[key] = w
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := ctxTimeout(t, 20*time.Second)
	for interval := range 3 {
		for _, status := range []string{"success", "failed"} {
			for _, method := range []string{"http", "browser"} {
				attrs := metric.WithAttributes(attribute.String("job.status", status), attribute.String("job.method", method))
				n := rng.IntN(50) + 1
				completed.Add(ctx, int64(n), attrs)
				for _, k := range []string{"JobsCompleted|Status=" + status, "JobsCompleted|Status=" + status + "|Method=" + method, "JobsCompleted"} {
					add(k, 0, float64(n))
				}
				for range n {
					v := rng.ExpFloat64()
					duration.Record(ctx, v, attrs)
					add("JobDuration|Status="+status+"|Method="+method, 1, v)
					add("JobDuration", 1, v)
				}
			}
		}
		if err := mp.ForceFlush(ctx); err != nil {
			t.Fatalf("interval %d: ForceFlush: %v", interval, err)
		}
	}

	got := map[string]totals{}
	for _, d := range s.Datums() {
		g := got[seriesKey(d)]
		if d.Value != nil {
			g.sum += *d.Value
		}
		for i, v := range d.Values {
			g.count += d.Counts[i]
			g.sum += v * d.Counts[i]
		}
		got[seriesKey(d)] = g
	}
	if len(got) != len(want) {
		t.Errorf("arrived %d series, want %d: %v", len(got), len(want), got)
	}
	for k, w := range want {
		g := got[k]
		if g.count != w.count || math.Abs(g.sum-w.sum) > 1e-9*math.Max(1, w.sum) {
			t.Errorf("%s: arrived count %v sum %v, recorded count %v sum %v", k, g.count, g.sum, w.count, w.sum)
		}
	}
	if st := exp.Stats(); st.DatumsSent != uint64(len(s.Datums())) || st.Dropped.Total() != 0 {
		t.Errorf("stats = %+v, want %d datums sent and nothing dropped", st, len(s.Datums()))
	}
}

func TestManySeriesOneInterval(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	exp := newExporter(t, s.Client())
	mp := pipeline(t, exp, sdkmetric.WithCardinalityLimit(0))
	gauge, err := mp.Meter("test").Float64Gauge("series.value", metric.WithUnit("{job}"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t, 20*time.Second)
	for i := range 2500 {
		gauge.Record(ctx, float64(i), metric.WithAttributeSet(seriesAttrs(i)))
	}
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	var sizes []int
	total := 0
	for _, r := range reqs {
		if len(r.Datums) > cloudwatchtest.MaxDatums || r.Size > maxRequestBytes {
			t.Errorf("request of %d datums, %d bytes: over the limits", len(r.Datums), r.Size)
		}
		sizes = append(sizes, len(r.Datums))
		total += len(r.Datums)
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{500, 1000, 1000}) || total != 2500 {
		t.Errorf("requests of %v datums, want 1000, 1000 and 500", sizes)
	}
}

// The size estimate that batching relies on matches the bytes the server
// receives after un-gzipping.
func TestSizeEstimateMatchesWire(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		rm   func(time.Time) []metricdata.Metrics
	}{
		{"scalars", func(ts time.Time) []metricdata.Metrics {
			return []metricdata.Metrics{seriesGauge(50, ts), seriesCounter(50, ts, 3)}
		}},
		{"histograms of 150 values", func(ts time.Time) []metricdata.Metrics { return []metricdata.Metrics{seriesHistogram(20, 148, ts)} }},
		{"mixed with long dimension values", func(ts time.Time) []metricdata.Metrics {
			g := seriesGauge(3, ts)
			g.Name = "jobs.completed"
			return []metricdata.Metrics{g, longValued(ts, long)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			exp := newExporter(t, s.Client())
			if err := exp.Export(ctxTimeout(t, 10*time.Second), resourceMetrics(tt.rm(time.Now())...)); err != nil {
				t.Fatalf("Export: %v", err)
			}
			reqs := s.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			est := exp.Stats().BytesWritten
			if est < uint64(reqs[0].Size) || est > uint64(reqs[0].Size)+16 {
				t.Fatalf("estimated %d bytes, server measured %d", est, reqs[0].Size)
			}
			t.Logf("%d datums: estimated %d bytes, measured %d", len(reqs[0].Datums), est, reqs[0].Size)
		})
	}
}

// 1000 histogram datums of 150 values are ~2.8 MB: the byte limit, not the
// count, decides the batches.
func TestLargeHistogramsSplitByBytes(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	exp := newExporter(t, s.Client())
	if err := exp.Export(ctxTimeout(t, 20*time.Second), resourceMetrics(seriesHistogram(1000, 148, time.Now()))); err != nil {
		t.Fatalf("Export: %v", err)
	}
	reqs := s.Requests()
	total, bytes := 0, 0
	for _, r := range reqs {
		if r.Size > maxRequestBytes {
			t.Errorf("request of %d bytes", r.Size)
		}
		total += len(r.Datums)
		bytes += r.Size
		for _, d := range r.Datums {
			if len(d.Values) != 150 {
				t.Fatalf("datum with %d values, want 150", len(d.Values))
			}
		}
	}
	if len(reqs) != 3 || total != 1000 || bytes < 2*cloudwatchtest.MaxRequestBytes {
		t.Fatalf("%d requests, %d datums, %d bytes; want 3 requests carrying all 1000 datums, over 2 MiB", len(reqs), total, bytes)
	}
	if len(s.Rejected()) != 0 {
		t.Fatalf("rejected: %v", s.Rejected()[0].Reason())
	}
}

func TestHighResolutionPassesThrough(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want int32
	}{
		{"default", nil, 60},
		{"1 second", []Option{WithStorageResolution(1)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			exp := newExporter(t, s.Client(), tt.opts...)
			if err := exp.Export(ctxTimeout(t, 10*time.Second), resourceMetrics(seriesGauge(3, time.Now()), seriesHistogram(2, 10, time.Now()))); err != nil {
				t.Fatalf("Export: %v", err)
			}
			ds := s.Datums()
			if len(ds) != 5 {
				t.Fatalf("%d datums, want 5", len(ds))
			}
			for _, d := range ds {
				if d.StorageResolution != tt.want {
					t.Fatalf("StorageResolution %d, want %d", d.StorageResolution, tt.want)
				}
			}
		})
	}
}

func TestNonFiniteDroppedAndCounted(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	exp := newExporter(t, s.Client())
	mp := pipeline(t, exp)
	gauge, err := mp.Meter("test").Float64Gauge("series.value")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t, 10*time.Second)
	for i, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 42} {
		gauge.Record(ctx, v, metric.WithAttributeSet(seriesAttrs(i)))
	}
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	ds := s.Datums()
	if len(ds) != 1 || *ds[0].Value != 42 {
		t.Fatalf("arrived %+v, want only the finite value", ds)
	}
	if st := exp.Stats(); st.Dropped.NonFinite != 3 {
		t.Fatalf("NonFinite = %d, want 3", st.Dropped.NonFinite)
	}
}

// The exporter keeps nothing of the ResourceMetrics it was given: the SDK
// reuses it after Export returns.
func TestBufferedDatumsDoNotAliasResourceMetrics(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	exp := newExporter(t, s.Client())
	ctx := ctxTimeout(t, 10*time.Second)
	rm := resourceMetrics(seriesGauge(3, time.Now()), seriesHistogram(1, 5, time.Now()))
	s.SetDown(true)
	if err := exp.Export(ctx, rm); err == nil {
		t.Fatal("Export succeeded while down")
	}
	// Scribble over everything the SDK might reuse.
	g := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Gauge[float64])
	for i := range g.DataPoints {
		g.DataPoints[i].Value = -1
		g.DataPoints[i].Time = time.Time{}
	}
	h := rm.ScopeMetrics[0].Metrics[1].Data.(metricdata.Histogram[float64])
	clear(h.DataPoints[0].BucketCounts)
	clear(h.DataPoints[0].Bounds)
	rm.ScopeMetrics[0].Metrics[0].Name = "scribbled"

	s.Up()
	if err := exp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	var values []float64
	for _, d := range s.DatumsNamed("SeriesValue") {
		values = append(values, *d.Value)
	}
	slices.Sort(values)
	hs := s.DatumsNamed("SeriesDuration")
	if !slices.Equal(values, []float64{0, 1, 2}) || len(hs) != 1 || len(hs[0].Values) != 7 {
		t.Fatalf("arrived values %v and %d histogram datums: the buffer aliased the SDK's data", values, len(hs))
	}
}

// WithAWSConfig builds the client the way cmd/ will, from an aws.Config
// whose endpoint is the fake (AWS_ENDPOINT_URL_CLOUDWATCH sets the same
// field through config.LoadDefaultConfig).
func TestWithAWSConfig(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	cfg := aws.Config{
		Region:       cloudwatchtest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(cloudwatchtest.AccessKeyID, cloudwatchtest.SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.URL()),
		Retryer:      func() aws.Retryer { return cloudwatchtest.FastRetryer(3) },
	}
	exp, err := New(WithAWSConfig(cfg), WithNamespace(testNamespace), WithMapper(testMapper(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.FailNext(1, cloudwatchtest.ServerError)
	if err := exp.Export(ctxTimeout(t, 10*time.Second), resourceMetrics(seriesGauge(2, time.Now()))); err != nil {
		t.Fatalf("Export: %v", err)
	}
	if n := len(s.Datums()); n != 2 || s.Attempts() != 2 {
		t.Fatalf("%d datums after %d attempts, want 2 after 2", n, s.Attempts())
	}
}
