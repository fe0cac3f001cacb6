package jobtrace_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/jobtrace"
	crawlerotel "github.com/crawler-service/crawler/otel"
)

// record sets a recording global provider and the W3C propagators, as
// cmd/crawler does with tracing on, until the test ends. Tests that call
// it cannot run in parallel.
func record(t *testing.T) *tracetest.SpanRecorder {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		_ = tp.Shutdown(context.Background())
	})
	return rec
}

// TestAttemptsContinueTheEnqueuersTrace: two attempts at one job, from
// the context the job carries, are consumer spans in the producer's trace,
// children of the enqueue span, with the job's attributes; a failed one
// has the job's error type as its status.
func TestAttemptsContinueTheEnqueuersTrace(t *testing.T) {
	rec := record(t)
	ctx, send := jobtrace.StartEnqueue(context.Background(), 2)
	job := crawler.Job{ID: "j1", Schedule: "daily", Trace: jobtrace.Inject(ctx)}
	send.End()
	if job.Trace["traceparent"] == "" {
		t.Fatalf("carrier %v has no traceparent", job.Trace)
	}

	_, first := jobtrace.StartAttempt(context.Background(), job, 1, 1500*time.Millisecond)
	jobtrace.End(first, crawler.Errorf(crawler.ErrTimeout, "slow"))
	_, second := jobtrace.StartAttempt(context.Background(), job, 2, 0)
	jobtrace.End(second, nil)

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want send and two attempts", len(spans))
	}
	sendSpan := spans[0]
	if sendSpan.SpanKind() != trace.SpanKindProducer || !hasAttr(sendSpan, jobtrace.AttrBatchSize, attribute.IntValue(2)) {
		t.Errorf("send span: kind %v, attributes %v", sendSpan.SpanKind(), sendSpan.Attributes())
	}
	for i, s := range spans[1:] {
		if s.SpanContext().TraceID() != sendSpan.SpanContext().TraceID() || s.Parent().SpanID() != sendSpan.SpanContext().SpanID() {
			t.Errorf("attempt %d: trace %s parent %s, want trace %s parent %s", i+1, s.SpanContext().TraceID(), s.Parent().SpanID(),
				sendSpan.SpanContext().TraceID(), sendSpan.SpanContext().SpanID())
		}
		if s.SpanKind() != trace.SpanKindConsumer || !hasAttr(s, jobtrace.AttrMessageID, attribute.StringValue("j1")) ||
			!hasAttr(s, jobtrace.AttrAttempt, attribute.IntValue(i+1)) || !hasAttr(s, jobtrace.AttrSchedule, attribute.StringValue("daily")) {
			t.Errorf("attempt %d: kind %v attributes %v", i+1, s.SpanKind(), s.Attributes())
		}
	}
	if !hasAttr(spans[1], jobtrace.AttrQueueWait, attribute.Float64Value(1.5)) {
		t.Errorf("first attempt's queue wait: %v", spans[1].Attributes())
	}
	if st := spans[1].Status(); st.Code != codes.Error || st.Description != "timeout" || !hasAttr(spans[1], jobtrace.AttrErrorType, attribute.StringValue("timeout")) {
		t.Errorf("failed attempt status %+v attributes %v", st, spans[1].Attributes())
	}
	if st := spans[2].Status(); st.Code == codes.Error {
		t.Errorf("successful attempt status %+v", st)
	}
}

// TestBatchAttemptsLinkTheEnqueue: a job of a batch starts a trace of its
// own whose attempt links to the batch's enqueue span.
func TestBatchAttemptsLinkTheEnqueue(t *testing.T) {
	rec := record(t)
	ctx, send := jobtrace.StartEnqueue(context.Background(), 2)
	jobs := []crawler.Job{{ID: "a", Trace: jobtrace.Inject(ctx), TraceLink: true}, {ID: "b", Trace: jobtrace.Inject(ctx), TraceLink: true}}
	send.End()
	for _, j := range jobs {
		_, span := jobtrace.StartAttempt(context.Background(), j, 1, 0)
		jobtrace.End(span, nil)
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want send and two attempts", len(spans))
	}
	sendSC := spans[0].SpanContext()
	traces := map[trace.TraceID]bool{}
	for _, s := range spans[1:] {
		traces[s.SpanContext().TraceID()] = true
		if s.Parent().IsValid() || s.SpanContext().TraceID() == sendSC.TraceID() {
			t.Errorf("attempt of %v: parent %v, trace %s: want a root in a trace of its own", s.Attributes(), s.Parent(), s.SpanContext().TraceID())
		}
		if l := s.Links(); len(l) != 1 || l[0].SpanContext.SpanID() != sendSC.SpanID() || l[0].SpanContext.TraceID() != sendSC.TraceID() {
			t.Errorf("attempt links %v, want the enqueue span %s", l, sendSC.SpanID())
		}
	}
	if len(traces) != 2 {
		t.Errorf("the two jobs' attempts are in %d traces, want 2", len(traces))
	}
}

// TestInjectBounded: a caller's baggage, however small, is not copied
// into every job (nothing reads it there), nor an oversized tracestate;
// the trace context still is.
func TestInjectBounded(t *testing.T) {
	record(t)
	m, err := baggage.NewMember("small", "x")
	if err != nil {
		t.Fatal(err)
	}
	b, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := otel.Tracer("t").Start(baggage.ContextWithBaggage(context.Background(), b), "req")
	defer span.End()
	c := jobtrace.Inject(ctx)
	if c["traceparent"] == "" || c["baggage"] != "" {
		t.Errorf("carrier %v: want traceparent and no baggage", c)
	}
	if got := jobtrace.Inject(context.Background()); got != nil {
		t.Errorf("no span: carrier %v, want nil", got)
	}
	long := trace.SpanContextFromContext(ctx)
	ts, err := trace.ParseTraceState("k=" + strings.Repeat("v", 250) + ",l=" + strings.Repeat("w", 250) + ",m=" + strings.Repeat("y", 250) + ",n=" + strings.Repeat("z", 250))
	if err != nil {
		t.Fatal(err)
	}
	c = jobtrace.Inject(trace.ContextWithSpanContext(context.Background(), long.WithTraceState(ts)))
	if c["traceparent"] == "" || c["tracestate"] != "" {
		t.Errorf("carrier with a 1 KB tracestate: %v, want traceparent alone", c)
	}
}

func hasAttr(s sdktrace.ReadOnlySpan, key string, v attribute.Value) bool {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value == v
		}
	}
	return false
}

// BenchmarkAttemptOff is an attempt's tracing with tracing off, as a
// process sets it up (run it alone: -run '^$', as the tests set another
// provider): a few nanoseconds and no allocation.
func BenchmarkAttemptOff(b *testing.B) {
	p, err := crawlerotel.Setup(b.Context(), crawlerotel.Config{Exporters: []string{"none"}, NoRuntimeMetrics: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	otel.SetTracerProvider(p.TracerProvider())
	job := crawler.Job{ID: "j1"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, span := jobtrace.StartAttempt(ctx, job, 1, time.Second)
		_ = jobtrace.Inject(c)
		jobtrace.End(span, nil)
	}
}
