package otel

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracing is the set-up traces pipeline: sdk is nil when tracing is off.
type tracing struct {
	provider   trace.TracerProvider
	sdk        *sdktrace.TracerProvider
	propagator propagation.TextMapPropagator
	exporters  []string
}

// checkTraces validates tc before Setup starts anything.
func checkTraces(tc TracesConfig) (exporters, propagators []string, sampler sdktrace.Sampler, err error) {
	if exporters, err = normalizeTraceExporters(tc.Exporters); err != nil {
		return nil, nil, nil, err
	}
	if sampler, err = NewSampler(tc.Sampler, tc.SamplerArg); err != nil {
		return nil, nil, nil, err
	}
	if propagators, err = normalizePropagators(tc.Propagators); err != nil {
		return nil, nil, nil, err
	}
	return exporters, propagators, sampler, nil
}

// newTracing builds the TracerProvider tc describes on res, the resource the
// metrics share. Spans leave through a batch processor, never on the
// caller's goroutine.
func newTracing(ctx context.Context, tc TracesConfig, res *resource.Resource) (*tracing, error) {
	exporters, propagators, sampler, err := checkTraces(tc)
	if err != nil {
		return nil, err
	}
	t := &tracing{exporters: exporters, propagator: newPropagator(propagators)}
	var procs []sdktrace.SpanProcessor
	for _, name := range exporters {
		exp, err := newSpanExporter(ctx, tc, name)
		if err != nil {
			for _, p := range procs {
				_ = p.Shutdown(ctx)
			}
			return nil, fmt.Errorf("%s traces exporter: %w", name, err)
		}
		if exp != nil {
			procs = append(procs, sdktrace.NewBatchSpanProcessor(exp))
		}
	}
	procs = append(procs, tc.SpanProcessors...)
	if len(procs) == 0 {
		// Tracing off: the API's no-op, not an SDK provider without
		// processors, which would still make IDs and sample every span;
		// and no propagation, so that a client's traceparent is neither
		// read nor carried into its jobs when nothing is traced.
		t.provider = offTracerProvider{}
		t.propagator = propagation.NewCompositeTextMapPropagator()
		return t, nil
	}
	// WithSampler always: without it the SDK would read OTEL_TRACES_SAMPLER
	// from the process environment behind the caller's getenv. Limits
	// likewise, and lower for values: a client's 16 KB User-Agent or URL
	// path would otherwise sit whole in each request's span.
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(sampler),
		sdktrace.WithRawSpanLimits(spanLimits)}
	for _, p := range procs {
		opts = append(opts, sdktrace.WithSpanProcessor(p))
	}
	t.sdk = sdktrace.NewTracerProvider(opts...)
	t.provider = t.sdk
	return t, nil
}

// spanLimits are the SDK's defaults (128 of each) but for attribute
// values, cut at 1 KiB.
var spanLimits = sdktrace.SpanLimits{
	AttributeValueLengthLimit:   1024,
	AttributeCountLimit:         128,
	EventCountLimit:             128,
	LinkCountLimit:              128,
	AttributePerEventCountLimit: 128,
	AttributePerLinkCountLimit:  128,
}

func newSpanExporter(ctx context.Context, tc TracesConfig, name string) (sdktrace.SpanExporter, error) {
	switch name {
	case ExporterNone:
		return nil, nil
	case ExporterConsole:
		w := tc.Console
		if w == nil {
			w = os.Stdout
		}
		return stdouttrace.New(stdouttrace.WithWriter(w), stdouttrace.WithPrettyPrint())
	case ExporterOTLP:
		o := tc.OTLP
		if o.Protocol == "grpc" {
			var opts []otlptracegrpc.Option
			if o.Endpoint != "" {
				opts = append(opts, otlptracegrpc.WithEndpointURL(o.Endpoint))
			}
			if len(o.Headers) > 0 {
				opts = append(opts, otlptracegrpc.WithHeaders(o.Headers))
			}
			return otlptracegrpc.New(ctx, opts...)
		}
		var opts []otlptracehttp.Option
		if o.Endpoint != "" {
			opts = append(opts, otlptracehttp.WithEndpointURL(o.Endpoint))
		}
		if len(o.Headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(o.Headers))
		}
		return otlptracehttp.New(ctx, opts...)
	}
	return nil, fmt.Errorf("unknown exporter %q", name)
}

func newPropagator(names []string) propagation.TextMapPropagator {
	var ps []propagation.TextMapPropagator
	for _, n := range names {
		switch n {
		case PropagatorTraceContext:
			ps = append(ps, propagation.TraceContext{})
		case PropagatorBaggage:
			ps = append(ps, propagation.Baggage{})
		}
	}
	return propagation.NewCompositeTextMapPropagator(ps...)
}

func (t *tracing) forceFlush(ctx context.Context) error {
	if t == nil || t.sdk == nil {
		return nil
	}
	return t.sdk.ForceFlush(ctx)
}

func (t *tracing) shutdown(ctx context.Context) error {
	if t == nil || t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}

// offTracerProvider is the API's no-op TracerProvider, except that its
// tracers leave a context without a span context as it is, where the no-op
// stores a no-op span in a copy: SpanFromContext reads a no-op span either
// way, and a span then costs no allocation at all.
type offTracerProvider struct{ noop.TracerProvider }

func (offTracerProvider) Tracer(string, ...trace.TracerOption) trace.Tracer { return offTracer{} }

type offTracer struct{ noop.Tracer }

var offSpan trace.Span = noop.Span{}

func (t offTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	span := trace.SpanFromContext(ctx)
	if !span.SpanContext().IsValid() {
		return ctx, offSpan
	}
	if !span.IsRecording() { // the no-op's own rule: the parent as it is
		return ctx, span
	}
	return t.Tracer.Start(ctx, name, opts...)
}
