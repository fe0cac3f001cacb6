package queue

import (
	"errors"
	"fmt"

	"github.com/crawler-service/crawler/internal/crawler"
)

var (
	// ErrNotFound is returned by Status for an unknown or expired job.
	ErrNotFound = errors.New("job not found")

	// ErrInvalidCursor rejects a List cursor that List did not make.
	ErrInvalidCursor = errors.New("invalid cursor")

	// ErrInvalidListOptions rejects ListJobs options that do not go
	// together: newest first for active jobs, filters for a state other
	// than failed.
	ErrInvalidListOptions = errors.New("invalid list options")

	// ErrConflict is a job whose state does not allow the operation; the
	// error is a *StateError that says which state.
	ErrConflict = errors.New("job state does not allow this")

	// ErrNotRetryable is a failed job parked by an older version, whose
	// record lacks the job itself.
	ErrNotRetryable = errors.New("failed job cannot be retried: its record holds no job")

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

// StateError is an ErrConflict: the operation Op (retry, delete, cancel)
// refused job ID because it is in State.
type StateError struct {
	ID    string
	Op    string
	State crawler.State
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s job %s: it is %s: %v", e.Op, e.ID, e.State, ErrConflict)
}

func (e *StateError) Unwrap() error { return ErrConflict }
