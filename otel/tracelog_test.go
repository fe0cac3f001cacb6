package otel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/crawler-service/crawler/otel"
)

func TestLogHandlerAddsTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(otel.LogHandler(slog.NewJSONHandler(&buf, nil))).With("worker_id", "w1")
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(context.Background(), "job")
	log.InfoContext(ctx, "job done")
	span.End()
	log.InfoContext(context.Background(), "no span")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var with, without map[string]any
	if err := json.Unmarshal(lines[0], &with); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[1], &without); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if with[otel.LogTraceID] != sc.TraceID().String() || with[otel.LogSpanID] != sc.SpanID().String() || with["worker_id"] != "w1" {
		t.Errorf("line with a span: %v, want trace %s span %s and worker_id", with, sc.TraceID(), sc.SpanID())
	}
	if _, ok := without[otel.LogTraceID]; ok {
		t.Errorf("line without a span has a trace id: %v", without)
	}
}
