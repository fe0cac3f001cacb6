// Package emf is an OpenTelemetry SDK metric exporter that writes the
// CloudWatch Embedded Metric Format: one JSON document per line to an
// io.Writer (stdout by default), which the CloudWatch agent, Lambda or the
// awslogs/FireLens log drivers turn into metrics.
//
// Which instrument becomes which CloudWatch metric, with which dimension
// sets, is a cwmetric.Mapper the caller builds. Context that must not become
// a dimension (a worker id, a task ARN) travels as plain top-level properties,
// which Logs Insights can group by at no metric cost.
//
// Documents obey the service limits: at most 100 metric definitions per
// document, 100 values per array, 30 keys per dimension set, 1 MB per line;
// longer data is split over further documents, never cut. Histograms keep
// their distribution (Values and Counts) so CloudWatch computes percentiles.
package emf
