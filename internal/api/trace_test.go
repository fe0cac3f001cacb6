package api_test

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crawler-service/crawler/internal/api"
)

// Only a caller with the token may continue its own trace: anyone else's
// traceparent becomes a link of a new root, so it cannot choose trace
// ids or force sampling. The client's Host is not server.address. Not
// parallel: it sets the global tracer provider and propagator, as the
// api process does.
func TestClientTraceContextNeedsTheToken(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		_ = tp.Shutdown(context.Background())
	})
	mp := sdkmetric.NewMeterProvider()
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	e := newEnv(t, api.Config{}, func(d *api.Deps) { d.MeterProvider = mp })

	const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	send := func(auth string) {
		req, err := http.NewRequest(http.MethodGet, e.ts.URL+"/v1/queue", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "evil.example:1"
		req.Header.Set("Traceparent", "00-"+clientTrace+"-00f067aa0ba902b7-01")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("Bearer wrong")
	send("")
	send("Bearer " + token)

	spans := rec.Ended()
	if len(spans) != 1 {
		// The sampler never samples a root: only the trusted request,
		// whose sampled parent it follows, is recorded.
		t.Fatalf("%d spans recorded, want only the request with the token", len(spans))
	}
	if s := spans[0]; s.SpanContext().TraceID().String() != clientTrace || s.SpanKind() != trace.SpanKindServer {
		t.Errorf("request with the token: trace %s, want the client's %s", s.SpanContext().TraceID(), clientTrace)
	}
	for _, a := range spans[0].Attributes() {
		if a.Key == "server.address" && a.Value.AsString() != "crawler-api" {
			t.Errorf("server.address = %q, want crawler-api (not the client's Host)", a.Value.AsString())
		}
	}
}
