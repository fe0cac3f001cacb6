package cloudwatch

import "errors"

// Errors New reports for a bad configuration.
var (
	ErrNoClient          = errors.New("no CloudWatch client: use WithClient or WithAWSConfig")
	ErrNoMapper          = errors.New("no mapper: use WithMapper")
	ErrNamespace         = errors.New("invalid namespace")
	ErrStorageResolution = errors.New("storage resolution must be 1 or 60 seconds")
	ErrLimit             = errors.New("limit must be positive")
)

// Errors Export, ForceFlush and Shutdown wrap, so callers can tell a loss
// from a delay with errors.Is.
var (
	// ErrRejected marks datums CloudWatch refused with an error that retrying
	// cannot fix; they were dropped and counted as Drops.Rejected.
	ErrRejected = errors.New("rejected by CloudWatch")
	// ErrNotDelivered marks datums that could not be sent this time; they
	// are kept for the next export, within WithMaxBufferedDatums.
	ErrNotDelivered = errors.New("not delivered, kept for retry")
)
