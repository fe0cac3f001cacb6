package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// Faults driven through the fake CloudWatch and the SDK's own retryer.

func TestThrottledTwiceDeliveredOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		retryer func(*cw.Options)
	}{
		{"fast retryer", nil},
		// The SDK's standard retryer with its jittered exponential backoff,
		// capped low so the test stays quick.
		{"standard retryer", func(o *cw.Options) {
			o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxBackoff = 100 * time.Millisecond
				so.RateLimiter = ratelimit.None
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			var opts []func(*cw.Options)
			if tt.retryer != nil {
				opts = append(opts, tt.retryer)
			}
			exp := newExporter(t, s.Client(opts...))
			s.FailNext(2, cloudwatchtest.Throttle)
			if err := exp.Export(ctxTimeout(t, 10*time.Second), resourceMetrics(seriesGauge(10, time.Now()))); err != nil {
				t.Fatalf("Export: %v", err)
			}
			if got := len(s.Datums()); got != 10 || s.Attempts() != 3 || len(s.Requests()) != 1 {
				t.Fatalf("%d datums in %d accepted requests after %d attempts; want 10 in 1 after 3", got, len(s.Requests()), s.Attempts())
			}
			if st := exp.Stats(); st.Requests != 1 || st.RequestsFailed != 0 || st.DatumsSent != 10 || st.Buffered != 0 {
				t.Fatalf("stats = %+v", st)
			}
		})
	}
}

// With CloudWatch down and a retryer whose backoff would run far past it,
// Export still returns by its deadline and keeps the datums.
func TestRetriesEndWithTheExportDeadline(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.SetDown(true)
	exp := newExporter(t, s.Client(func(o *cw.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 10
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 20 * time.Second, nil })
			so.RateLimiter = ratelimit.None
		})
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := exp.Export(ctx, resourceMetrics(seriesGauge(10, time.Now())))
	if !errors.Is(err, ErrNotDelivered) {
		t.Fatalf("Export = %v, want ErrNotDelivered", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Export took %v with a 300ms deadline", d)
	}
	if st := exp.Stats(); st.Buffered != 10 || s.Attempts() != 1 {
		t.Fatalf("buffered %d after %d attempts; want 10 after 1", st.Buffered, s.Attempts())
	}
}

func TestOutageOfTenIntervals(t *testing.T) {
	t.Parallel()
	const series, maxBuffered, down = 100, 250, 10
	s := newServer(t)
	exp := newExporter(t, s.Client(), WithMaxBufferedDatums(maxBuffered))
	mp := pipeline(t, exp)
	counter, err := mp.Meter("test").Int64Counter("series.count")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t, 30*time.Second)
	// Interval i adds i+1 to every series, so each arriving datum tells
	// which interval it came from.
	record := func(interval int) {
		for k := range series {
			counter.Add(ctx, int64(interval+1), metric.WithAttributeSet(seriesAttrs(k)))
		}
	}

	s.SetDown(true)
	for i := range down {
		record(i)
		if err := mp.ForceFlush(ctx); !errors.Is(err, ErrNotDelivered) {
			t.Fatalf("interval %d: ForceFlush = %v, want ErrNotDelivered", i, err)
		}
		if b := exp.Stats().Buffered; b > maxBuffered || b != min((i+1)*series, maxBuffered) {
			t.Fatalf("interval %d: %d datums buffered, bound %d", i, b, maxBuffered)
		}
		if c := exp.queueCap(); c > maxBuffered {
			t.Fatalf("interval %d: queue capacity %d beyond the bound %d", i, c, maxBuffered)
		}
	}
	if n := len(s.Datums()); n != 0 {
		t.Fatalf("%d datums arrived while down", n)
	}

	s.Up()
	record(down)
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatalf("after the outage: ForceFlush: %v", err)
	}
	arrived := s.Datums()
	st := exp.Stats()
	recorded := (down + 1) * series
	if len(arrived)+int(st.Dropped.BufferFull) != recorded || st.Buffered != 0 {
		t.Fatalf("recorded %d, arrived %d, dropped %d, buffered %d: they must add up", recorded, len(arrived), st.Dropped.BufferFull, st.Buffered)
	}
	if len(arrived) != maxBuffered+series {
		t.Fatalf("%d arrived, want the %d kept plus the %d new", len(arrived), maxBuffered, series)
	}
	// The oldest were dropped: what arrived is the newest 2.5 intervals of
	// the outage and the interval after it.
	perInterval := map[float64]int{}
	for _, d := range arrived {
		perInterval[*d.Value]++
	}
	want := map[float64]int{8: series / 2, 9: series, 10: series, 11: series}
	for v, n := range want {
		if perInterval[v] != n {
			t.Fatalf("datums per interval value = %v, want %v", perInterval, want)
		}
	}
}

func TestShutdownSendsTheLastInterval(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	exp := newExporter(t, s.Client())
	mp := pipeline(t, exp)
	counter, err := mp.Meter("test").Int64Counter("series.count")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t, 10*time.Second)

	// One interval fails and is kept; the last is only recorded.
	s.SetDown(true)
	counter.Add(ctx, 1, metric.WithAttributeSet(seriesAttrs(0)))
	if err := mp.ForceFlush(ctx); err == nil {
		t.Fatal("ForceFlush succeeded while CloudWatch was down")
	}
	s.Up()
	counter.Add(ctx, 2, metric.WithAttributeSet(seriesAttrs(0)))
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	var got []float64
	for _, d := range s.Datums() {
		got = append(got, *d.Value)
	}
	if len(got) != 2 || got[0]+got[1] != 3 {
		t.Fatalf("arrived %v, want the kept interval (1) and the last (2)", got)
	}
}

func TestRejectedByCloudWatch(t *testing.T) {
	t.Parallel()
	// The server's clock runs 20 days ahead, so it refuses our timestamps
	// as too old: an InvalidParameterValue no retry can fix.
	s := newServer(t, cloudwatchtest.WithClock(func() time.Time { return time.Now().Add(20 * 24 * time.Hour) }))
	exp := newExporter(t, s.Client())
	ctx := ctxTimeout(t, 10*time.Second)
	err := exp.Export(ctx, resourceMetrics(seriesGauge(10, time.Now())))
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Export = %v, want ErrRejected", err)
	}
	st := exp.Stats()
	if s.Attempts() != 1 || st.Dropped.Rejected != 10 || st.Buffered != 0 {
		t.Fatalf("%d attempts, stats %+v; want 1 attempt, 10 rejected, none kept", s.Attempts(), st)
	}
	if err := exp.ForceFlush(ctx); err != nil || s.Attempts() != 1 {
		t.Fatalf("ForceFlush = %v after %d attempts: rejected datums must not be sent again", err, s.Attempts())
	}
}

// inflight counts the requests a client has open at once.
type inflight struct {
	api      API
	delay    time.Duration
	now, max atomic.Int32
	mu       sync.Mutex
}

func (c *inflight) PutMetricData(ctx context.Context, in *cw.PutMetricDataInput, optFns ...func(*cw.Options)) (*cw.PutMetricDataOutput, error) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	c.mu.Lock()
	if n > c.max.Load() {
		c.max.Store(n)
	}
	c.mu.Unlock()
	time.Sleep(c.delay) // hold the slot long enough for the others to pile up
	return c.api.PutMetricData(ctx, in, optFns...)
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	tests := []struct{ limit, requests int }{{1, 4}, {3, 10}, {4, 10}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("limit %d", tt.limit), func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			c := &inflight{api: s.Client(), delay: 20 * time.Millisecond}
			exp := newExporter(t, c, WithMaxConcurrency(tt.limit))
			if err := exp.Export(ctxTimeout(t, 10*time.Second), resourceMetrics(seriesGauge(1000*tt.requests, time.Now()))); err != nil {
				t.Fatalf("Export: %v", err)
			}
			if len(s.Requests()) != tt.requests || int(c.max.Load()) != tt.limit {
				t.Fatalf("%d requests, at most %d at once; want %d, %d", len(s.Requests()), c.max.Load(), tt.requests, tt.limit)
			}
		})
	}
}
