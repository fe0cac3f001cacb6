package otel

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log keys of the trace correlation LogHandler adds: the names
// OpenTelemetry's log data model gives them, which Grafana's Loki and
// CloudWatch Logs Insights queries look for.
const (
	LogTraceID = "trace_id"
	LogSpanID  = "span_id"
)

// LogHandler wraps h so that every line logged with a context that holds a
// recording or sampled span carries the span's trace_id and span_id. Lines
// logged without one (tracing off, a context.Background) pass through
// unchanged, at the cost of one context lookup.
func LogHandler(h slog.Handler) slog.Handler { return traceLogHandler{h} }

type traceLogHandler struct{ slog.Handler }

func (t traceLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String(LogTraceID, sc.TraceID().String()), slog.String(LogSpanID, sc.SpanID().String()))
	}
	return t.Handler.Handle(ctx, r)
}

func (t traceLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceLogHandler{t.Handler.WithAttrs(as)}
}

func (t traceLogHandler) WithGroup(name string) slog.Handler {
	return traceLogHandler{t.Handler.WithGroup(name)}
}
