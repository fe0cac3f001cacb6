package queue

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned by Status for an unknown or expired job.
	ErrNotFound = errors.New("job not found")

	// ErrInvalidCursor rejects a List cursor that List did not make.
	ErrInvalidCursor = errors.New("invalid cursor")

	// ErrLeaseLost means the delivery is no longer held by its consumer:
	// its lease ran out and another worker reclaimed it, or it was parked.
	ErrLeaseLost = errors.New("lease lost")

	// ErrBatchTooLarge rejects an Enqueue of more than MaxBatch jobs.
	ErrBatchTooLarge = errors.New("batch too large")

	// ErrIdempotencyConflict rejects an Enqueue that uses an idempotency key
	// taken, within the IdempotencyWindow, by a different job.
	ErrIdempotencyConflict = errors.New("idempotency key already used for a different job")
)

// IdempotencyConflictError is an ErrIdempotencyConflict naming the key
// and the request that reused it.
type IdempotencyConflictError struct {
	Key   string
	Index int // of the refused request in the Enqueue call
}

func (e *IdempotencyConflictError) Error() string {
	return fmt.Sprintf("idempotency key %q: %v", e.Key, ErrIdempotencyConflict)
}

func (e *IdempotencyConflictError) Unwrap() error { return ErrIdempotencyConflict }
