package scalesim

import "errors"

// ErrInvalid is wrapped by every error about a bad World, Policy or
// Scenario.
var ErrInvalid = errors.New("invalid simulation input")
