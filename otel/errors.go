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
