package emf

import "errors"

// Configuration errors New reports, wrapped with the offending value.
var (
	ErrNoMapper          = errors.New("no mapper: WithMapper is required")
	ErrNamespace         = errors.New("namespace must be 1 to 255 printable ASCII characters")
	ErrStorageResolution = errors.New("storage resolution must be 1 or 60")
	ErrProperty          = errors.New("invalid property")
)
