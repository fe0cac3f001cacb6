package worker

import "errors"

var (
	// ErrInvalidConfig is returned by New for a Config or Deps it cannot run
	// with.
	ErrInvalidConfig = errors.New("invalid worker configuration")

	// ErrAlreadyRun is returned by a second call to Run: a Worker runs once.
	ErrAlreadyRun = errors.New("worker already run")
)
