package otel_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/crawler-service/crawler/otel"
)

// BenchmarkTracerOff compares a span on the TracerProvider Setup returns
// with tracing off against one on the API's no-op tracer: the hot path's
// cost with OTEL_TRACES_EXPORTER=none. "bare" starts from a context without
// a span, "remote parent" from one carrying a propagated span context, as a
// job with its producer's context would.
func BenchmarkTracerOff(b *testing.B) {
	p, err := otel.Setup(b.Context(), otel.Config{Exporters: []string{"none"}, NoRuntimeMetrics: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	for _, tc := range []struct {
		name string
		tp   trace.TracerProvider
	}{{"setup-none", p.TracerProvider()}, {"otel-noop", noop.NewTracerProvider()}} {
		for _, start := range []struct {
			name string
			ctx  context.Context
		}{{"bare", context.Background()}, {"remote-parent", remote}} {
			b.Run(tc.name+"/"+start.name, func(b *testing.B) {
				tracer := tc.tp.Tracer("crawler/bench")
				b.ReportAllocs()
				for b.Loop() {
					_, span := tracer.Start(start.ctx, "job.attempt")
					span.End()
				}
			})
		}
	}
}

// With tracing off a span allocates nothing, from a bare context or under a
// propagated parent. Not parallel: AllocsPerRun counts every goroutine's.
func TestTracesOffAllocs(t *testing.T) {
	p, err := otel.Setup(t.Context(), otel.Config{Exporters: []string{"none"}, NoRuntimeMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	tracer := p.TracerProvider().Tracer("crawler/test")
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, Remote: true,
	}))
	for name, ctx := range map[string]context.Context{"bare": context.Background(), "remote parent": remote} {
		if n := testing.AllocsPerRun(1000, func() {
			_, span := tracer.Start(ctx, "job.attempt")
			span.End()
		}); n != 0 {
			t.Errorf("%s: %v allocations a span, want 0", name, n)
		}
	}
}
