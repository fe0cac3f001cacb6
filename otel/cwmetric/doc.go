// Package cwmetric translates OpenTelemetry SDK metric data into
// CloudWatch-shaped points: a published metric name, a CloudWatch unit, the
// dimension values of each data point with the dimension sets (rollups) it
// belongs to, and either one value or a distribution of raw values and counts
// from which CloudWatch computes percentiles.
//
// It is pure translation, shared by the PutMetricData exporter
// (otel/cloudwatch) and the Embedded Metric Format exporter (otel/emf). It
// knows nothing of any particular service: which instrument becomes which
// CloudWatch metric is the Rules it is given.
package cwmetric
