package otel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/contrib/instrumentation/runtime"
	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace"
)

// Provider is the set-up metrics and traces pipeline.
type Provider struct {
	meterProvider *sdkmetric.MeterProvider
	tracing       *tracing
	handler       http.Handler
	exporters     []string
	health        metric.Registration
	shutdownOnce  sync.Once
	shutdownErr   error
}

// MeterProvider is where instruments are created.
func (p *Provider) MeterProvider() metric.MeterProvider { return p.meterProvider }

// TracerProvider is where tracers are created: OpenTelemetry's no-op one
// when tracing is off.
func (p *Provider) TracerProvider() trace.TracerProvider { return p.tracing.provider }

// Propagator is the propagator Setup also set as the global one.
func (p *Provider) Propagator() propagation.TextMapPropagator { return p.tracing.propagator }

// TraceExporters are the trace exporters running; ["none"] when off.
func (p *Provider) TraceExporters() []string { return p.tracing.exporters }

// Tracing reports whether spans are recorded (OTEL_TRACES_EXPORTER is not
// none), for instrumentation that costs something even unrecorded.
func (p *Provider) Tracing() bool { return p.tracing.sdk != nil }

// PrometheusHandler serves /metrics; nil unless the prometheus exporter is on.
func (p *Provider) PrometheusHandler() http.Handler { return p.handler }

// Exporters are the exporters running.
func (p *Provider) Exporters() []string { return p.exporters }

// ForceFlush exports what push exporters and the span processors hold now.
func (p *Provider) ForceFlush(ctx context.Context) error {
	if err := p.tracing.forceFlush(ctx); err != nil {
		return fmt.Errorf("otel: flush traces: %w", err)
	}
	if err := p.meterProvider.ForceFlush(ctx); err != nil {
		return fmt.Errorf("otel: flush: %w", err)
	}
	return nil
}

// Shutdown exports the spans still queued and collects and exports the last
// interval of every push exporter, then stops them. Give it a context that is not already cancelled (for
// example context.WithoutCancel with a timeout): a stopping ECS task loses
// what it recorded since the last export otherwise. Safe to call twice.
func (p *Provider) Shutdown(ctx context.Context) error {
	p.shutdownOnce.Do(func() {
		if p.health != nil {
			_ = p.health.Unregister()
		}
		// Traces first: ending spans may still record metrics.
		var errs []error
		if err := p.tracing.shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("otel: shutdown traces: %w", err))
		}
		if err := p.meterProvider.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("otel: shutdown: %w", err))
		}
		p.shutdownErr = errors.Join(errs...)
	})
	return p.shutdownErr
}

// SecondsBuckets are the default histogram boundaries, in seconds, for
// histograms that bring none of their own: the SDK's defaults suit
// milliseconds.
var SecondsBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// Setup builds the metrics and traces pipelines cfg describes and sets the
// configured propagator as the global one. On error nothing is left running
// and the global propagator is untouched.
func Setup(ctx context.Context, cfg Config) (*Provider, error) {
	exporters, err := normalizeExporters(cfg.Exporters)
	if err != nil {
		return nil, fmt.Errorf("otel: setup: %w", err)
	}
	if _, _, _, err := checkTraces(cfg.Traces); err != nil {
		return nil, fmt.Errorf("otel: setup: %w", err)
	}
	res, err := newResource(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p := &Provider{exporters: exporters}
	b := readerBuilder{cfg: cfg, res: res}
	var readers []sdkmetric.Reader
	for _, name := range exporters {
		r, err := b.reader(ctx, name)
		if err != nil {
			for _, r := range readers {
				_ = r.Shutdown(ctx)
			}
			return nil, fmt.Errorf("otel: %s exporter: %w", name, err)
		}
		if r != nil {
			readers = append(readers, r)
		}
	}
	p.handler = b.promHandler
	readers = append(readers, cfg.Readers...)

	limit := cfg.CardinalityLimit
	if limit == 0 {
		limit = 2000
	}
	// Never a series per host: a crawler's HTTP client talks to unbounded
	// hosts, and the API's server metrics would take server.address and
	// server.port from any caller's Host header, token or not.
	perHost := sdkmetric.Stream{AttributeFilter: attribute.NewDenyKeysFilter("server.address", "server.port", "url.full", "url.template")}
	opts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithCardinalityLimit(limit),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "http.client.*"}, perHost)),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "http.server.*"}, perHost)),
	}
	for _, r := range readers {
		opts = append(opts, sdkmetric.WithReader(r))
	}
	p.meterProvider = sdkmetric.NewMeterProvider(opts...)

	if p.health, err = registerHealth(p.meterProvider, cfg.Health, b.health); err != nil {
		_ = p.meterProvider.Shutdown(ctx)
		return nil, err
	}
	if p.tracing, err = newTracing(ctx, cfg.Traces, res); err != nil {
		_ = p.Shutdown(ctx)
		return nil, fmt.Errorf("otel: %w", err)
	}
	if !cfg.NoRuntimeMetrics && len(readers) > 0 {
		if err := runtime.Start(runtime.WithMeterProvider(p.meterProvider)); err != nil {
			_ = p.Shutdown(ctx)
			return nil, fmt.Errorf("otel: runtime metrics: %w", err)
		}
	}
	otelapi.SetTextMapPropagator(p.tracing.propagator)
	return p, nil
}

// aggregation gives histograms without boundaries of their own second-based
// buckets; instruments' advised boundaries still take precedence.
func aggregation(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if kind == sdkmetric.InstrumentKindHistogram {
		return sdkmetric.AggregationExplicitBucketHistogram{Boundaries: SecondsBuckets}
	}
	return sdkmetric.DefaultAggregationSelector(kind)
}

func newPrometheus(b *readerBuilder) (sdkmetric.Reader, error) {
	reg := prometheus.NewRegistry()
	exp, err := promexporter(reg)
	if err != nil {
		return nil, err
	}
	// Rename the families whose OpenTelemetry name translates into one
	// Prometheus's linter (promtool check metrics) rejects: a gauge ending in
	// _count reads as half of a histogram. go_goroutines is the name
	// client_golang has always used, so existing dashboards keep working.
	// Only this endpoint is affected; OTLP keeps the semantic-convention name.
	g := renamingGatherer{Gatherer: reg, names: map[string]string{"go_goroutine_count": "go_goroutines"}}
	// OpenMetrics when the scraper asks for it (Prometheus does): only that
	// format carries exemplars, the trace ids of the job histograms'
	// observations. No _created samples: Prometheus 2 would store them as
	// series of their own.
	b.promHandler = promhttp.HandlerFor(g, promhttp.HandlerOpts{Timeout: 10 * time.Second, EnableOpenMetrics: true})
	return exp, nil
}

type renamingGatherer struct {
	prometheus.Gatherer
	names map[string]string
}

func (g renamingGatherer) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := g.Gatherer.Gather()
	renamed := false
	for _, mf := range mfs {
		if to, ok := g.names[mf.GetName()]; ok {
			mf.Name = &to
			renamed = true
		}
	}
	if renamed { // keep the registry's sorted order
		slices.SortFunc(mfs, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	}
	return mfs, err
}
