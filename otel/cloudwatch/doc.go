// Package cloudwatch is an OpenTelemetry SDK metric exporter that publishes
// to Amazon CloudWatch with PutMetricData.
//
// Which instrument becomes which CloudWatch metric, under which dimension
// sets, is the [cwmetric.Mapper] it is given; the exporter knows nothing of
// the service it runs in. Counters are sent as the interval's increase
// (the exporter asks for delta temporality), gauges and up-down counters as
// their value, and histograms as Values and Counts so that CloudWatch can
// compute percentiles, with exact sample count, sum, minimum and maximum.
//
// Datums go out in requests of at most 1000 datums and 1 MB before
// compression, several requests at once. Retryable failures (throttling,
// 5xx, an unreachable endpoint) are retried by the AWS SDK's retryer within
// the export's context; what still fails is kept, up to a bound, for the
// next export or for Shutdown. A request CloudWatch refuses as invalid is
// reported and dropped. Every datum that does not arrive is counted by
// reason in [Stats].
package cloudwatch
