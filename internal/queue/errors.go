package queue

import "errors"

var (
	// ErrNotFound is returned by Status for an unknown or expired job.
	ErrNotFound = errors.New("job not found")

	// ErrLeaseLost means the delivery is no longer held by its consumer:
	// its lease ran out and another worker reclaimed it, or it was parked.
	ErrLeaseLost = errors.New("lease lost")

	// ErrBatchTooLarge rejects an Enqueue of more than MaxBatch jobs.
	ErrBatchTooLarge = errors.New("batch too large")
)
