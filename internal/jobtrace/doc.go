// Package jobtrace owns the spans of a job's trace: their names and
// attributes, and the trace context a job carries through the queue, so
// that the API request that enqueued a job, every attempt at it (a retry,
// a run after a dead worker's lease ran out) and each attempt's fetch,
// rank and store make one trace.
//
// Spans go to the global TracerProvider (cmd/crawler sets it from
// OTEL_TRACES_EXPORTER); with tracing off every function here costs a few
// nanoseconds and allocates nothing.
package jobtrace
