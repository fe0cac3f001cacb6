package jobtrace

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/crawler-service/crawler/internal/crawler"
)

// ScopeName is the instrumentation scope of every span the crawler makes.
const ScopeName = "github.com/crawler-service/crawler"

// Attribute keys: OpenTelemetry's messaging conventions where they have
// one, crawler.* otherwise.
const (
	AttrSystem      = "messaging.system"
	AttrOperation   = "messaging.operation.type"
	AttrDestination = "messaging.destination.name"
	AttrMessageID   = "messaging.message.id"
	AttrBatchSize   = "messaging.batch.message_count"
	AttrAttempt     = "crawler.job.attempt"
	AttrMethod      = "crawler.job.method"
	AttrQueueWait   = "crawler.job.queue_wait_seconds"
	AttrSchedule    = "crawler.schedule.name"
	AttrFireTime    = "crawler.schedule.fire_time"
	AttrErrorType   = "error.type"
)

// System is messaging.system: the queue is a Redis stream. Destination is
// messaging.destination.name: the crawler has one queue (per REDIS_PREFIX).
const (
	System      = "redis"
	Destination = "jobs"
)

// maxCarrierBytes bounds the trace context a job carries: traceparent is
// 55 bytes and W3C caps tracestate at 512, but a longer one is not
// refused on the way in, and every job of a batch would store it.
const maxCarrierBytes = 1024

// carrierFormat writes and reads a job's trace context: W3C trace context
// alone, whatever OTEL_PROPAGATORS says for HTTP. The queue is the
// crawler's own channel; baggage would be stored in every job of a batch
// and read by nothing.
var carrierFormat = propagation.TraceContext{}

// tracer is the crawler's tracer from the global provider as it is now
// (not cached: a tracer taken before the provider is set would stay
// delegated to the first one ever set).
func tracer() trace.Tracer { return otel.GetTracerProvider().Tracer(ScopeName) }

// The start options, made once: a slice built per call escapes through
// the Tracer interface and would allocate with tracing off.
var (
	producer = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindProducer)}
	consumer = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
	root     = []trace.SpanStartOption{trace.WithNewRoot()}
)

// Inject returns the trace context of ctx (traceparent, tracestate) for
// the job to carry; nil when ctx holds no span (tracing off). A
// tracestate that would take the carrier past maxCarrierBytes is left out.
func Inject(ctx context.Context) map[string]string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	c := propagation.MapCarrier{}
	carrierFormat.Inject(ctx, c)
	if len(c["traceparent"])+len(c["tracestate"]) > maxCarrierBytes {
		delete(c, "tracestate")
	}
	if len(c) == 0 {
		return nil
	}
	return c
}

// StartEnqueue starts the producer span of an enqueue of n jobs (one span
// for a batch).
func StartEnqueue(ctx context.Context, n int) (context.Context, trace.Span) {
	ctx, span := tracer().Start(ctx, "send "+Destination, producer...)
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String(AttrSystem, System),
			attribute.String(AttrOperation, "send"),
			attribute.String(AttrDestination, Destination),
			attribute.Int(AttrBatchSize, n),
		)
	}
	return ctx, span
}

// StartAttempt starts the consumer span of one attempt at job. A job
// enqueued alone carries the context of its enqueue, and the attempt is
// its child (OpenTelemetry's messaging conventions for a message processed
// alone): every attempt is in the trace of the request that enqueued the
// job. A job of a batch (TraceLink) starts a trace of its own that links
// to the enqueue: a 10,000-job batch is not one trace of 50,000 spans,
// and the sampler decides job by job. wait is how long the job's current
// queue entry waited for a worker.
func StartAttempt(ctx context.Context, job crawler.Job, attempt int, wait time.Duration) (context.Context, trace.Span) {
	opts := consumer
	if len(job.Trace) > 0 {
		enqueued := carrierFormat.Extract(ctx, propagation.MapCarrier(job.Trace))
		if job.TraceLink {
			sc := trace.SpanContextFromContext(enqueued)
			opts = []trace.SpanStartOption{consumer[0], root[0], trace.WithLinks(trace.Link{SpanContext: sc})}
		} else {
			ctx = enqueued
		}
	}
	ctx, span := tracer().Start(ctx, "process "+Destination, opts...)
	if span.IsRecording() {
		attrs := []attribute.KeyValue{
			attribute.String(AttrSystem, System),
			attribute.String(AttrOperation, "process"),
			attribute.String(AttrDestination, Destination),
			attribute.String(AttrMessageID, job.ID),
			attribute.Int(AttrAttempt, attempt),
			attribute.Float64(AttrQueueWait, max(wait, 0).Seconds()),
		}
		if job.Schedule != "" {
			attrs = append(attrs, attribute.String(AttrSchedule, job.Schedule))
		}
		span.SetAttributes(attrs...)
	}
	return ctx, span
}

// StartFire starts the root span of a schedule's fire: its job's trace
// begins there. One span name for every schedule (the name is an
// attribute): trace stores index span names, and schedules are many.
func StartFire(ctx context.Context, schedule string, at time.Time) (context.Context, trace.Span) {
	ctx, span := tracer().Start(ctx, "fire schedule", root...)
	if span.IsRecording() {
		span.SetAttributes(attribute.String(AttrSchedule, schedule), attribute.String(AttrFireTime, at.UTC().Format(time.RFC3339)))
	}
	return ctx, span
}

// Start starts an internal span named name, a step of an attempt.
func Start(ctx context.Context, name string) (context.Context, trace.Span) {
	return tracer().Start(ctx, name)
}

// End ends span, marking it failed with err's job error type when err is
// not nil.
func End(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		t := string(crawler.TypeOf(err))
		span.SetAttributes(attribute.String(AttrErrorType, t))
		span.SetStatus(codes.Error, t)
	}
	span.End()
}
