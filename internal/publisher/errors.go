package publisher

import "errors"

var (
	// ErrInvalidConfig is returned by New for arguments it cannot run with.
	ErrInvalidConfig = errors.New("invalid publisher configuration")

	// ErrAlreadyRun is returned by a second call to Run.
	ErrAlreadyRun = errors.New("publisher already run")
)
