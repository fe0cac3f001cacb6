package otel

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The names OTEL_TRACES_EXPORTER accepts: ExporterOTLP, ExporterConsole
// and ExporterNone, the default.
var TraceExporterNames = []string{ExporterOTLP, ExporterConsole, ExporterNone}

// The samplers OTEL_TRACES_SAMPLER accepts, as the specification names them.
const (
	SamplerAlwaysOn                = "always_on"
	SamplerAlwaysOff               = "always_off"
	SamplerTraceIDRatio            = "traceidratio"
	SamplerParentBasedAlwaysOn     = "parentbased_always_on"
	SamplerParentBasedAlwaysOff    = "parentbased_always_off"
	SamplerParentBasedTraceIDRatio = "parentbased_traceidratio"
)

// SamplerNames lists every valid sampler name.
var SamplerNames = []string{SamplerAlwaysOn, SamplerAlwaysOff, SamplerTraceIDRatio,
	SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff, SamplerParentBasedTraceIDRatio}

// The propagators OTEL_PROPAGATORS accepts.
const (
	PropagatorTraceContext = "tracecontext"
	PropagatorBaggage      = "baggage"
	PropagatorNone         = ExporterNone
)

// PropagatorNames lists every valid propagator name.
var PropagatorNames = []string{PropagatorTraceContext, PropagatorBaggage, PropagatorNone}

// TracesConfig configures tracing. The zero value is tracing off with the
// W3C trace-context and baggage propagators.
type TracesConfig struct {
	// Exporters by the names ParseTraceExporters accepts; empty means none.
	// With none, and no SpanProcessors, the TracerProvider is OpenTelemetry's
	// no-op one: starting a span costs what the API without an SDK costs.
	Exporters []string
	// Sampler is one of SamplerNames; default parentbased_always_on.
	// SamplerArg is the ratio, 0 to 1, of the traceidratio samplers (default
	// 1); the other samplers ignore it, as the specification says.
	Sampler    string
	SamplerArg string
	// Propagators are set as the global propagator; empty means tracecontext
	// and baggage, "none" alone means none.
	Propagators []string
	// OTLP configures the otlp exporter; empty fields leave the exporter's
	// own defaults (and its own reading of OTEL_EXPORTER_OTLP_*) in place.
	OTLP OTLPConfig
	// Console receives the console exporter's output; default os.Stdout.
	Console io.Writer
	// SpanProcessors are added beside the exporters' processors, e.g. one
	// around an in-memory exporter that a test reads.
	SpanProcessors []sdktrace.SpanProcessor
}

// ParseTraceExporters parses OTEL_TRACES_EXPORTER's comma list by the rules
// of ParseExporters; an empty list means none.
func ParseTraceExporters(list string) ([]string, error) {
	return normalizeTraceExporters(strings.Split(list, ","))
}

func normalizeTraceExporters(names []string) ([]string, error) {
	return normalizeNames(names, nameRules{
		valid: TraceExporterNames, dflt: ExporterNone, off: "tracing",
		unknown: ErrUnknownTraceExporter, combined: ErrTraceNoneCombined,
	})
}

// ParsePropagators parses OTEL_PROPAGATORS' comma list by the same rules;
// an empty list means tracecontext,baggage.
func ParsePropagators(list string) ([]string, error) {
	return normalizePropagators(strings.Split(list, ","))
}

func normalizePropagators(names []string) ([]string, error) {
	return normalizeNames(names, nameRules{
		valid: PropagatorNames, dflt: PropagatorTraceContext + "," + PropagatorBaggage, off: "propagation",
		unknown: ErrUnknownPropagator, combined: ErrPropagatorNoneCombined,
	})
}

// NewSampler returns the sampler the specification's name and argument
// describe; an empty name means parentbased_always_on. Unlike the SDK's
// own reading of OTEL_TRACES_SAMPLER, which falls back to a default, a bad
// name or ratio is an error: a typo would otherwise sample everything.
func NewSampler(name, arg string) (sdktrace.Sampler, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	ratio := func() (float64, error) {
		arg := strings.TrimSpace(arg)
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(r >= 0 && r <= 1) { // also rejects NaN
			return 0, fmt.Errorf("%w %q: want a ratio from 0 to 1, such as 0.1", ErrSamplerArg, arg)
		}
		return r, nil
	}
	switch name {
	case "", SamplerParentBasedAlwaysOn:
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case SamplerAlwaysOn:
		return sdktrace.AlwaysSample(), nil
	case SamplerAlwaysOff:
		return sdktrace.NeverSample(), nil
	case SamplerParentBasedAlwaysOff:
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case SamplerTraceIDRatio, SamplerParentBasedTraceIDRatio:
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		if name == SamplerTraceIDRatio {
			return sdktrace.TraceIDRatioBased(r), nil
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
	}
	return nil, fmt.Errorf("%w %q: valid are %s", ErrUnknownSampler, name, strings.Join(SamplerNames, ", "))
}

// tracesFromEnv reads OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER(_ARG),
// OTEL_PROPAGATORS and the OTLP variables for traces.
func tracesFromEnv(getenv func(string) string) (TracesConfig, error) {
	var t TracesConfig
	var err error
	v := getenv("OTEL_TRACES_EXPORTER")
	if t.Exporters, err = ParseTraceExporters(v); err != nil {
		return t, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: %w", v, err)
	}
	t.Sampler, t.SamplerArg = getenv("OTEL_TRACES_SAMPLER"), getenv("OTEL_TRACES_SAMPLER_ARG")
	if _, err := NewSampler(t.Sampler, t.SamplerArg); err != nil {
		return t, fmt.Errorf("OTEL_TRACES_SAMPLER=%q OTEL_TRACES_SAMPLER_ARG=%q: %w", t.Sampler, t.SamplerArg, err)
	}
	v = getenv("OTEL_PROPAGATORS")
	if t.Propagators, err = ParsePropagators(v); err != nil {
		return t, fmt.Errorf("OTEL_PROPAGATORS=%q: %w", v, err)
	}
	if t.OTLP, err = otlpFromEnv(getenv, "TRACES"); err != nil {
		return t, err
	}
	return t, nil
}
