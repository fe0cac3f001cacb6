package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// The error codes of the API's answers.
const (
	codeMalformed        = "malformed_request"
	codeUnauthorized     = "unauthorized"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeConflict         = "conflict"
	codeIdemConflict     = "idempotency_conflict"
	codeTooLarge         = "too_large"
	codeTimeout          = "request_timeout"
	codeInvalid          = "invalid_request"
	codeUnavailable      = "unavailable"
	codeInternal         = "internal"
)

// statusOf is the one table from error code to HTTP status.
func statusOf(code string) int {
	switch code {
	case codeMalformed:
		return http.StatusBadRequest
	case codeUnauthorized:
		return http.StatusUnauthorized
	case codeNotFound:
		return http.StatusNotFound
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case codeConflict, codeIdemConflict:
		return http.StatusConflict
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeTimeout:
		return http.StatusRequestTimeout
	case codeInvalid:
		return http.StatusUnprocessableEntity
	case codeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is an API error as the client sees it.
type Error struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"` // field path → reason
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// toError turns any error into what the client is told: the domain's
// sentinels into their 4xx, outages (crawler.ErrUnavailable, which the
// stores mark) into 503, anything else into a bare 500 whose details stay
// in the server log.
func toError(err error) *Error {
	var (
		apiErr   *Error
		tooBig   *http.MaxBytesError
		invalid  *schedule.InvalidError
		conflict *queue.IdempotencyConflictError
		state    *queue.StateError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.As(err, &tooBig):
		return errorf(codeTooLarge, "request body larger than %d bytes", tooBig.Limit)
	case errors.As(err, &state):
		return errorf(codeConflict, "%s", stateConflict(state))
	case errors.Is(err, queue.ErrNotRetryable):
		return errorf(codeConflict, "this failed job was parked by an older version that did not keep the job; it cannot be retried")
	case errors.Is(err, queue.ErrNotFound):
		return errorf(codeNotFound, "no job with that id (unknown, or its record expired)")
	case errors.Is(err, schedule.ErrNotFound):
		return errorf(codeNotFound, "no schedule with that name")
	case errors.Is(err, schedule.ErrExists):
		return errorf(codeConflict, "a schedule with that name exists; delete it first to replace it")
	case errors.As(err, &invalid):
		return &Error{Code: codeInvalid, Message: "the schedule is invalid", Fields: map[string]string{invalid.Field: invalid.Reason}}
	case errors.As(err, &conflict):
		key := strings.TrimPrefix(conflict.Key, clientKeyPrefix)
		return &Error{Code: codeIdemConflict,
			Message: fmt.Sprintf("idempotency key %q was already used for a different request; repeat that request to get its id, or use a new key", key),
			Fields:  map[string]string{"idempotency_key": "used for a different request"}}
	case errors.Is(err, queue.ErrInvalidCursor):
		return &Error{Code: codeInvalid, Message: "bad query", Fields: map[string]string{"cursor": "not a cursor this API gave"}}
	case errors.Is(err, queue.ErrBatchTooLarge):
		return &Error{Code: codeInvalid, Message: "too many jobs", Fields: map[string]string{"jobs": fmt.Sprintf("at most %d jobs", queue.MaxBatch)}}
	case errors.Is(err, crawler.ErrUnavailable):
		return errorf(codeUnavailable, "storage is unavailable; retry later")
	}
	return errorf(codeInternal, "internal error")
}

// writeError answers with err. Server-side failures are logged with the
// request's method and path; never its query, headers or body.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	status := statusOf(e.Code)
	if status >= http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "api: request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, struct {
		Error *Error `json:"error"`
	}{e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// The status is sent; a failed write means the client went away.
	_ = json.NewEncoder(w).Encode(v)
}
