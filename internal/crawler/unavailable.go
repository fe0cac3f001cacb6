package crawler

import "errors"

// ErrUnavailable marks a failure of storage (Redis) to answer: it could not
// be reached, or cannot serve right now (loading, read-only, out of memory,
// a cluster failover). It says "retry later", not "the request is wrong".
// It is a sentinel for errors.Is, not an ErrorType: a job never ends with it.
var ErrUnavailable = errors.New("storage unavailable")
