package httpfetch

import (
	"errors"
	"fmt"
	"time"

	"github.com/crawler-service/crawler/internal/fetch"
)

var (
	// ErrTooManyRedirects: the job gave up after Config.MaxRedirects
	// redirects. Type http_4xx, so it is not retried: a redirect loop does
	// not mend itself within a retry backoff.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRobotsDisallowed: robots.txt forbids the URL. Type blocked.
	ErrRobotsDisallowed = errors.New("disallowed by robots.txt")
	// ErrBodyTooLarge: the body exceeds Config.MaxBodyBytes. Type too_large.
	ErrBodyTooLarge = errors.New("body too large")
	// ErrContentEncoding: the server used a Content-Encoding that was not
	// offered. Type parse. It is fetch.ErrEncoding, which the browser's
	// proxy reports too.
	ErrContentEncoding = fetch.ErrEncoding
)

// StatusError is a non-2xx final response. It travels inside the
// *crawler.FetchError, so a caller can read the code and Retry-After with
// errors.As. The type is http_4xx or http_5xx, except 408 Request Timeout
// (timeout) and 429 Too Many Requests (http_5xx): both say "try again
// later", and those are the retryable types of the bounded set.
type StatusError struct {
	Code       int
	RetryAfter time.Duration // from Retry-After; 0 when absent
}

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("status %d (retry after %s)", e.Code, e.RetryAfter)
	}
	return fmt.Sprintf("status %d", e.Code)
}
