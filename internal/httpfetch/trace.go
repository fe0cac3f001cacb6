package httpfetch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"

	"go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/crawler-service/crawler/internal/crawler"
)

// traced wraps base in otelhttp's client spans, shaped for crawling:
//   - nothing is propagated: a crawled site gets no traceparent or
//     baggage, which would tell it about our traces and could carry an
//     operator's baggage to a stranger;
//   - url.full is the URL without its query string (otelhttp records the
//     whole URL, and query strings hold secrets);
//   - connection phases are events on the request's span, not spans, and
//     no header is recorded;
//   - no metrics: the worker's own instruments measure fetches;
//   - a request of a job that is not sampled skips all of it.
func traced(base http.RoundTripper) http.RoundTripper {
	return sampledOnly{base: base, traced: otelhttp.NewTransport(redactingTransport{base},
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()),
		otelhttp.WithMeterProvider(noop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "HTTP " + r.Method }),
		otelhttp.WithClientTrace(func(ctx context.Context) *httptrace.ClientTrace {
			return otelhttptrace.NewClientTrace(ctx, otelhttptrace.WithoutSubSpans(), otelhttptrace.WithoutHeaders())
		}),
	)}
}

// sampledOnly sends a request whose job is not sampled straight to base,
// without otelhttp's span, attributes and connection hooks: with a ratio
// sampler most jobs are not traced and should not pay for it. (The
// samplers a process takes decide a child as its parent was decided, so
// no span is lost.)
type sampledOnly struct{ traced, base http.RoundTripper }

func (t sampledOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if trace.SpanFromContext(r.Context()).IsRecording() {
		return t.traced.RoundTrip(r)
	}
	return t.base.RoundTrip(r)
}

// redactingTransport runs inside otelhttp's span: it overwrites the
// url.full otelhttp recorded with the redacted URL, and hands otelhttp
// (which puts an error's text in the span's status) errors with every URL
// in them redacted, from the round trip and from reading the body. The
// errors still unwrap to what they were, for the fetcher's classifying.
type redactingTransport struct{ base http.RoundTripper }

func (t redactingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
		span.SetAttributes(urlFull.String(crawler.RedactURL(r.URL.String())))
	}
	res, err := t.base.RoundTrip(r)
	if err != nil {
		return res, crawler.RedactError(err)
	}
	res.Body = redactingBody{res.Body}
	return res, nil
}

// redactingBody redacts the URLs in its read errors; io.EOF passes as it
// is, which readers compare by identity.
type redactingBody struct{ io.ReadCloser }

func (b redactingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = crawler.RedactError(err)
	}
	return n, err
}

// urlFull is OpenTelemetry's url.full attribute key.
const urlFull = attribute.Key("url.full")
