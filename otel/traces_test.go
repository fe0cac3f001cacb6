package otel_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	gootel "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crawler-service/crawler/otel"
)

// Every invalid tracing value stops start-up with a message naming the
// variable, the value and what is valid.
func TestTracesConfigFromEnvErrors(t *testing.T) {
	t.Parallel()
	tests := []envErrorCase{
		{
			name:     "unknown exporter",
			env:      env{"OTEL_TRACES_EXPORTER": "otlp,jaeger"},
			contains: []string{"OTEL_TRACES_EXPORTER", `"otlp,jaeger"`, `"jaeger"`, "otlp, console, none"},
			is:       otel.ErrUnknownTraceExporter,
		},
		{
			name:     "none combined",
			env:      env{"OTEL_TRACES_EXPORTER": "none,otlp"},
			contains: []string{"OTEL_TRACES_EXPORTER", `"none,otlp"`, "none alone"},
			is:       otel.ErrTraceNoneCombined,
		},
		{
			name:     "unknown sampler",
			env:      env{"OTEL_TRACES_SAMPLER": "parentbased_jaeger_remote"},
			contains: []string{"OTEL_TRACES_SAMPLER", `"parentbased_jaeger_remote"`, strings.Join(otel.SamplerNames, ", ")},
			is:       otel.ErrUnknownSampler,
		},
		{
			name:     "ratio not a number",
			env:      env{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "10%"},
			contains: []string{"OTEL_TRACES_SAMPLER_ARG", `"10%"`, "0 to 1"},
			is:       otel.ErrSamplerArg,
		},
		{
			name:     "ratio above one",
			env:      env{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"},
			contains: []string{"OTEL_TRACES_SAMPLER_ARG", `"1.5"`, "0 to 1"},
			is:       otel.ErrSamplerArg,
		},
		{
			name:     "ratio negative",
			env:      env{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "-0.1"},
			contains: []string{"OTEL_TRACES_SAMPLER_ARG", `"-0.1"`},
			is:       otel.ErrSamplerArg,
		},
		{
			name:     "ratio NaN",
			env:      env{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "NaN"},
			contains: []string{"OTEL_TRACES_SAMPLER_ARG", `"NaN"`},
			is:       otel.ErrSamplerArg,
		},
		{
			name:     "unknown propagator",
			env:      env{"OTEL_PROPAGATORS": "tracecontext,b3"},
			contains: []string{"OTEL_PROPAGATORS", `"tracecontext,b3"`, `"b3"`, "tracecontext, baggage, none"},
			is:       otel.ErrUnknownPropagator,
		},
		{
			name:     "propagator none combined",
			env:      env{"OTEL_PROPAGATORS": "baggage,none"},
			contains: []string{"OTEL_PROPAGATORS", "none alone"},
			is:       otel.ErrPropagatorNoneCombined,
		},
		{
			name:     "traces protocol named as itself",
			env:      env{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
			contains: []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=", `"http/json"`, "grpc, http/protobuf"},
		},
		{
			name:     "traces endpoint named as itself",
			env:      env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318"},
			contains: []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=", `"collector:4318"`},
		},
		{
			name:     "traces headers malformed, secret not echoed",
			env:      env{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "Authorization=Bearer s3cr3t,justatoken"},
			contains: []string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "key=value"},
			hides:    "s3cr3t",
		},
	}
	checkEnvErrors(t, tests)
}

// Setup holds a Config built in code to the same rules as the environment.
func TestSetupTracesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		traces otel.TracesConfig
		is     error
	}{
		{"exporter", otel.TracesConfig{Exporters: []string{"zipkin"}}, otel.ErrUnknownTraceExporter},
		{"sampler", otel.TracesConfig{Sampler: "sometimes"}, otel.ErrUnknownSampler},
		{"sampler arg", otel.TracesConfig{Sampler: "traceidratio", SamplerArg: "2"}, otel.ErrSamplerArg},
		{"propagator", otel.TracesConfig{Propagators: []string{"xray"}}, otel.ErrUnknownPropagator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := otel.Setup(t.Context(), otel.Config{Exporters: []string{"none"}, Traces: tt.traces})
			if err == nil {
				_ = p.Shutdown(t.Context())
				t.Fatal("Setup: no error")
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestNewSampler(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, arg, want string }{
		{"", "", "ParentBased{root:AlwaysOnSampler"},
		{"always_on", "junk", "AlwaysOnSampler"}, // the argument is ignored
		{"ALWAYS_OFF", "", "AlwaysOffSampler"},
		{"traceidratio", "", "TraceIDRatioBased{1}"},
		{"traceidratio", " 0.25 ", "TraceIDRatioBased{0.25}"},
		{"parentbased_traceidratio", "0", "ParentBased{root:TraceIDRatioBased{0}"},
		{"parentbased_always_off", "", "ParentBased{root:AlwaysOffSampler"},
	}
	for _, tt := range tests {
		s, err := otel.NewSampler(tt.name, tt.arg)
		if err != nil {
			t.Errorf("NewSampler(%q, %q): %v", tt.name, tt.arg, err)
			continue
		}
		if got := s.Description(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("NewSampler(%q, %q) = %s, want %s…", tt.name, tt.arg, got, tt.want)
		}
	}
}

// With tracing off (the default) no exporter runs and the TracerProvider is
// the API's no-op: spans record nothing and carry no new ids.
func TestTracesNone(t *testing.T) {
	t.Parallel()
	for _, e := range []env{{}, {"OTEL_TRACES_EXPORTER": "none"}, {"OTEL_TRACES_EXPORTER": " NONE ,none"}} {
		cfg, err := otel.ConfigFromEnv(e.get)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Exporters, cfg.NoRuntimeMetrics = []string{"none"}, true
		p := setup(t, cfg)
		if got := p.TraceExporters(); !slices.Equal(got, []string{"none"}) {
			t.Errorf("%v: TraceExporters = %v, want [none]", e, got)
		}
		if _, ok := p.TracerProvider().(*sdktrace.TracerProvider); ok {
			t.Errorf("%v: TracerProvider is the SDK's, want a no-op", e)
		}
		tracer := p.TracerProvider().Tracer("t")
		ctx, span := tracer.Start(t.Context(), "s")
		if span.IsRecording() || span.SpanContext().IsValid() || trace.SpanFromContext(ctx).IsRecording() {
			t.Errorf("%v: span recording=%v valid=%v, want neither", e, span.IsRecording(), span.SpanContext().IsValid())
		}
		span.End()
		// A propagated parent's ids pass through untouched, as with the
		// API's no-op, so a job still carries its producer's trace on.
		parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, Remote: true})
		ctx, span = tracer.Start(trace.ContextWithRemoteSpanContext(t.Context(), parent), "child")
		if !span.SpanContext().Equal(parent) || !trace.SpanContextFromContext(ctx).Equal(parent) || span.IsRecording() {
			t.Errorf("%v: child of a remote parent = %v, want the parent's context, not recording", e, span.SpanContext())
		}
	}
}

// Setup sets the configured propagator globally while tracing is on, and
// none while it is off (a client's traceparent is then neither read nor
// carried into jobs). Not parallel: it reads global state the other
// tests' Setup calls write.
func TestSetupPropagators(t *testing.T) {
	tests := []struct {
		env  string
		want []string
	}{
		{"", []string{"traceparent", "tracestate", "baggage"}},
		{"tracecontext", []string{"traceparent", "tracestate"}},
		{" Baggage ", []string{"baggage"}},
		{"none", nil},
	}
	for _, tt := range tests {
		cfg, err := otel.ConfigFromEnv(env{"OTEL_PROPAGATORS": tt.env}.get)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Exporters, cfg.NoRuntimeMetrics = []string{"none"}, true
		cfg.Traces.Exporters, cfg.Traces.Console = []string{"console"}, io.Discard
		p := setup(t, cfg)
		// A composite propagator's fields come in map order.
		slices.Sort(tt.want)
		if got := slices.Sorted(slices.Values(gootel.GetTextMapPropagator().Fields())); !slices.Equal(got, tt.want) {
			t.Errorf("OTEL_PROPAGATORS=%q: global fields %v, want %v", tt.env, got, tt.want)
		}
		if got := slices.Sorted(slices.Values(p.Propagator().Fields())); !slices.Equal(got, tt.want) {
			t.Errorf("OTEL_PROPAGATORS=%q: Propagator fields %v, want %v", tt.env, got, tt.want)
		}

		cfg.Traces.Exporters = nil // tracing off
		p = setup(t, cfg)
		if got := gootel.GetTextMapPropagator().Fields(); len(got) != 0 {
			t.Errorf("OTEL_PROPAGATORS=%q with tracing off: global fields %v, want none", tt.env, got)
		}
		if got := p.Propagator().Fields(); len(got) != 0 {
			t.Errorf("OTEL_PROPAGATORS=%q with tracing off: Propagator fields %v, want none", tt.env, got)
		}
	}
	gootel.SetTextMapPropagator(nil) // back to the API's default
}

// traceCollector is a fake OTLP/HTTP traces receiver on loopback.
type traceCollector struct {
	url  string
	mu   sync.Mutex
	reqs []traceRequest
}

type traceRequest struct {
	path   string
	header http.Header
	body   *coltracepb.ExportTraceServiceRequest
}

func newTraceCollector(t *testing.T) *traceCollector {
	t.Helper()
	c := &traceCollector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(raw, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.reqs = append(c.reqs, traceRequest{path: r.URL.Path, header: r.Header.Clone(), body: &req})
		c.mu.Unlock()
		resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return c
}

func (c *traceCollector) requests() []traceRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reqs)
}

// A span ends, Shutdown flushes it, and it arrives at the collector with
// the resource the metrics have, on the path the endpoint rules give.
func TestTracesOTLP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      func(url string) env
		wantPath string
	}{
		{"base endpoint gets /v1/traces", func(u string) env { return env{"OTEL_EXPORTER_OTLP_ENDPOINT": u} }, "/v1/traces"},
		{"traces endpoint as is", func(u string) env {
			return env{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": u + "/spans", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://127.0.0.1:1/x"}
		}, "/spans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTraceCollector(t)
			e := tt.env(c.url)
			e["OTEL_TRACES_EXPORTER"] = "otlp"
			e["OTEL_TRACES_SAMPLER"] = "always_on"
			e["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] = "x-api-key=k%3D1"
			e["OTEL_SERVICE_NAME"] = "crawler-traces"
			e["OTEL_RESOURCE_ATTRIBUTES"] = "crawler.process=worker"
			cfg, err := otel.ConfigFromEnv(e.get)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Exporters, cfg.NoRuntimeMetrics = []string{"none"}, true
			cfg.ServiceInstanceID = "w-1"
			p := setup(t, cfg)
			_, span := p.TracerProvider().Tracer("crawler/test").Start(t.Context(), "job.attempt")
			if !span.IsRecording() {
				t.Fatal("span not recording with always_on")
			}
			span.End()
			shutdown(t, p)

			reqs := c.requests()
			if len(reqs) != 1 {
				t.Fatalf("collector got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.path != tt.wantPath {
				t.Errorf("path = %q, want %q", r.path, tt.wantPath)
			}
			if got := r.header.Get("x-api-key"); got != "k=1" {
				t.Errorf("x-api-key = %q, want k=1", got)
			}
			rs := r.body.GetResourceSpans()
			if len(rs) != 1 || len(rs[0].GetScopeSpans()) != 1 || len(rs[0].GetScopeSpans()[0].GetSpans()) != 1 {
				t.Fatalf("want one span, got %v", r.body)
			}
			got := rs[0].GetScopeSpans()[0].GetSpans()[0]
			if got.GetName() != "job.attempt" || len(got.GetTraceId()) != 16 {
				t.Errorf("span = %v", got)
			}
			attrs := otlpAttrs(rs[0].GetResource().GetAttributes())
			for k, want := range map[string]string{"service.name": "crawler-traces", "service.instance.id": "w-1", "crawler.process": "worker"} {
				if attrs[k] != want {
					t.Errorf("resource %s = %q, want %q (all: %v)", k, attrs[k], want, attrs)
				}
			}
		})
	}
}

// A span's attribute values are cut at 1 KiB: a client's 16 KB header
// does not sit whole in each request's span.
func TestSpanAttributeValuesBounded(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	p := setup(t, otel.Config{Exporters: []string{"none"}, NoRuntimeMetrics: true,
		Traces: otel.TracesConfig{SpanProcessors: []sdktrace.SpanProcessor{rec}}})
	_, span := p.TracerProvider().Tracer("t").Start(context.Background(), "req")
	span.SetAttributes(attribute.String("user_agent.original", strings.Repeat("u", 16<<10)))
	span.End()
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			if n := len(a.Value.AsString()); n > 1024 {
				t.Errorf("%s is %d bytes, want at most 1024", a.Key, n)
			}
		}
	}
	if len(rec.Ended()) != 1 {
		t.Fatalf("%d spans recorded, want 1", len(rec.Ended()))
	}
}
