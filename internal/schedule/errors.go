package schedule

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned by Get and Delete for an unknown name.
	ErrNotFound = errors.New("schedule not found")

	// ErrExists is returned by Put when the name is taken: Put creates,
	// it never replaces.
	ErrExists = errors.New("schedule already exists")

	// ErrInvalid marks a schedule that fails validation; the error is an
	// *InvalidError naming the field.
	ErrInvalid = errors.New("invalid schedule")
)

// InvalidError says which field of a schedule is wrong and why, so the API
// can answer with field-level reasons.
type InvalidError struct {
	Field  string // "name", "cron", "job.url", "job.method"
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("schedule: %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
