package apiclient

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/crawler-service/crawler/internal/termtext"
)

var (
	// ErrInvalidConfig marks a Config that cannot work, such as a base URL
	// that is not http(s).
	ErrInvalidConfig = errors.New("apiclient: invalid configuration")
	// ErrUnauthorized marks a 401: the token is missing or wrong.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound marks a 404: no such job, schedule or route.
	ErrNotFound = errors.New("not found")
	// ErrConflict marks a 409: the thing is not in a state the action
	// applies to, such as retrying a job that has not failed.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable marks a 503: the API cannot serve now; retry later.
	ErrUnavailable = errors.New("unavailable")
	// ErrUnreachable marks a request that got no HTTP answer: the
	// connection was refused, the name did not resolve, or no answer came
	// within the timeout.
	ErrUnreachable = errors.New("unreachable")
	// ErrTooLarge marks an answer over Config.MaxResponseBytes.
	ErrTooLarge = errors.New("answer too large")
)

// Error is an error answer of the API: {"error": {"code", "message",
// "fields"}}. Is matches it to the sentinel of its status.
type Error struct {
	Status  int               // HTTP status
	Code    string            // the API's code, e.g. "not_found"; empty when the body was not the API's
	Message string            // the API's message, or the first line of a foreign body
	Fields  map[string]string // field path → reason, when particular fields are at fault
}

// Error is one line: the message and fields come from the server, so
// their control and bidi characters are dropped (termtext.Line) before
// they can reach a terminal.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		b.WriteString(": " + termtext.Line(e.Message))
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "; %s: %s", termtext.Line(k), termtext.Line(e.Fields[k]))
	}
	return b.String()
}

// Is lets callers test the status with errors.Is(err, ErrNotFound).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrUnavailable:
		return e.Status == http.StatusServiceUnavailable
	}
	return false
}
