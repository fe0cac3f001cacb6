// Package otel sets up OpenTelemetry metrics and traces for a Go service in
// one call.
//
// Setup builds one SDK MeterProvider whose readers are chosen by
// configuration: a Prometheus pull endpoint on its own registry, CloudWatch
// PutMetricData (otel/cloudwatch) and Embedded Metric Format log lines
// (otel/emf) with delta temporality, OTLP to a Collector and the console with
// cumulative temporality, or none; several at once. ConfigFromEnv reads the
// OpenTelemetry standard variables (OTEL_METRICS_EXPORTER as a comma list,
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_METRIC_EXPORT_INTERVAL,
// OTEL_METRIC_EXPORT_TIMEOUT, OTEL_EXPORTER_OTLP_*) and the CloudWatch ones
// through a getenv function, so a test can hand it any environment.
//
// The Prometheus endpoint has a registry of its own, no otel_scope_* labels,
// and passes promtool check metrics. Histograms that advise no boundaries get
// SecondsBuckets in every reader, CloudWatch and EMF included, so histograms
// in other units should advise their own. The semantic-convention HTTP client
// metrics lose server.address and server.port: a crawler talks to unbounded
// hosts.
//
// Tracing shares the metrics' resource and is off unless OTEL_TRACES_EXPORTER
// names otlp or console; off, the TracerProvider is a no-op whose spans
// allocate nothing. OTEL_TRACES_SAMPLER(_ARG) choose the sampler,
// OTEL_PROPAGATORS the propagator Setup sets globally.
//
// The package knows nothing of the service it serves: which instrument
// becomes which CloudWatch metric comes in Config.CloudWatchRules.
package otel
