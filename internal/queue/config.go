package queue

import (
	"time"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// MaxBatch is the largest number of jobs one Enqueue accepts.
const MaxBatch = 10_000

// Config tunes a Queue. Every zero field means the default named on it.
type Config struct {
	// Keys names every key. Zero means keyspace.DefaultPrefix.
	Keys keyspace.Keys

	// Lease is how long a delivery may stay idle (not completed, failed or
	// extended) before another worker reclaims it. Zero means 30s.
	Lease time.Duration

	// ReclaimEvery is how often Read looks for deliveries whose lease ran
	// out. A dead worker's job is back in work at most Lease + ReclaimEvery
	// + PromoteEvery (Read's longest block) after the worker's last sign of
	// life: 35s with the defaults. Zero means 4s.
	ReclaimEvery time.Duration

	// PromoteEvery is how often Read moves due retries from the delayed set
	// into the stream; it also caps how long one Read blocks. Zero means 1s.
	PromoteEvery time.Duration

	// MaxDeliveries parks a job that was delivered this many times without
	// being completed or failed (a job that kills its worker). Zero means 5.
	MaxDeliveries int

	// MaxAttempts is how many attempts a job gets before a retryable
	// failure parks it. Zero means 5.
	MaxAttempts int

	// BackoffBase and BackoffMax shape the retry delay: a uniformly random
	// duration up to min(BackoffMax, BackoffBase·2^(attempt-1)) ("full
	// jitter"). Zero means 1s and 5m.
	BackoffBase time.Duration
	BackoffMax  time.Duration

	// RecordTTL is how long the record of a completed or canceled job is
	// kept. Zero means 24h.
	RecordTTL time.Duration

	// FailedRetention is how long a failed job (its record, and its place
	// in the failed set and its indexes) is kept, so that it can be
	// inspected and retried (QUEUE_FAILED_RETENTION). Zero means 168h.
	FailedRetention time.Duration

	// FailedMax bounds the failed set (QUEUE_FAILED_MAX): every park drops
	// the oldest failed jobs beyond it. Zero means 10,000.
	FailedMax int

	// IdempotencyWindow is how long an idempotency key maps to its first
	// job. Zero means 24h.
	IdempotencyWindow time.Duration

	// ResultsPerSchedule caps the list of recent results kept per schedule.
	// Zero means 100.
	ResultsPerSchedule int
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&c.Lease, 30*time.Second)
	def(&c.ReclaimEvery, 4*time.Second)
	def(&c.PromoteEvery, time.Second)
	defInt(&c.MaxDeliveries, 5)
	defInt(&c.MaxAttempts, 5)
	def(&c.BackoffBase, time.Second)
	def(&c.BackoffMax, 5*time.Minute)
	def(&c.RecordTTL, 24*time.Hour)
	def(&c.FailedRetention, 7*24*time.Hour)
	defInt(&c.FailedMax, 10_000)
	def(&c.IdempotencyWindow, 24*time.Hour)
	defInt(&c.ResultsPerSchedule, 100)
	return c
}
