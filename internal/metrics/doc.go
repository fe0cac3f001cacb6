// Package metrics is the crawler's one table of metric definitions and the
// instruments built from it.
//
// Every instrument the service records is defined once in Table: its
// OpenTelemetry name, kind, unit, attributes (bounded enums, never a URL, a
// host, an error message or a job id), its published CloudWatch name and the
// CloudWatch dimension sets it gets by default. The instruments are created
// from that table through the OpenTelemetry metric API only; docs/metrics.md
// is generated from it (go test ./internal/metrics -update) and a test fails
// when the two drift apart. Where the program is assembled, cmd/ turns the
// same table into the CloudWatch and EMF exporters' rules.
package metrics
