// Package publisher is the metric publisher process: it reads the queue's
// counts from Redis on an interval and exposes them as the six queue gauges
// (and the live worker count and pause flag), and the failed jobs that
// retention dropped as a counter. When Redis cannot be read the failure is
// logged and counted, and the instruments report nothing rather than old
// numbers until a read succeeds again.
package publisher
