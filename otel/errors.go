package otel

import "errors"

// Errors ParseExporters, ConfigFromEnv and Setup wrap, so a caller can tell
// a configuration mistake from a failure with errors.Is.
var (
	// ErrUnknownExporter is an exporter name outside ExporterNames; the
	// message lists the valid ones.
	ErrUnknownExporter = errors.New("unknown metrics exporter")
	// ErrNoneCombined is "none" listed together with other exporters.
	ErrNoneCombined = errors.New(`metrics exporter "none" cannot be combined with others`)
	// ErrNoRules is a CloudWatch or EMF exporter without rules: it would
	// publish nothing.
	ErrNoRules = errors.New("no CloudWatch rules configured: every instrument would be dropped")
	// ErrUnknownDetector is a resource detector other than ecs and ec2.
	ErrUnknownDetector = errors.New("unknown resource detector")
)

// Errors of the tracing configuration, wrapped the same way.
var (
	// ErrUnknownTraceExporter is a name outside TraceExporterNames.
	ErrUnknownTraceExporter = errors.New("unknown traces exporter")
	// ErrTraceNoneCombined is "none" listed together with other trace
	// exporters.
	ErrTraceNoneCombined = errors.New(`traces exporter "none" cannot be combined with others`)
	// ErrUnknownSampler is a name outside SamplerNames.
	ErrUnknownSampler = errors.New("unknown traces sampler")
	// ErrSamplerArg is a ratio sampler's argument that is not a number from
	// 0 to 1.
	ErrSamplerArg = errors.New("invalid traces sampler argument")
	// ErrUnknownPropagator is a name outside PropagatorNames.
	ErrUnknownPropagator = errors.New("unknown propagator")
	// ErrPropagatorNoneCombined is "none" listed with other propagators.
	ErrPropagatorNoneCombined = errors.New(`propagator "none" cannot be combined with others`)
)
