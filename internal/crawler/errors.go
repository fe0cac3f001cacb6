package crawler

import (
	"errors"
	"fmt"
)

// ErrorType is the bounded classification of a job error. It is a metric
// attribute (WorkerErrors' ErrorType dimension), so it never grows past this set.
type ErrorType string

// The error types of docs/errors.md.
const (
	ErrTimeout  ErrorType = "timeout"
	ErrDNS      ErrorType = "dns"
	ErrConnect  ErrorType = "connect"
	ErrTLS      ErrorType = "tls"
	ErrHTTP4xx  ErrorType = "http_4xx"
	ErrHTTP5xx  ErrorType = "http_5xx"
	ErrTooLarge ErrorType = "too_large"
	ErrBlocked  ErrorType = "blocked"
	ErrProxy    ErrorType = "proxy"
	ErrBrowser  ErrorType = "browser"
	ErrParse    ErrorType = "parse"
	ErrInternal ErrorType = "internal"
)

// ErrorTypes lists every ErrorType, in a stable order.
var ErrorTypes = []ErrorType{
	ErrTimeout, ErrDNS, ErrConnect, ErrTLS, ErrHTTP4xx, ErrHTTP5xx,
	ErrTooLarge, ErrBlocked, ErrProxy, ErrBrowser, ErrParse, ErrInternal,
}

// Retryable reports whether an error of this type may succeed on a later
// attempt (a proxy that failed or refused us may be another next time, or
// mended). Blocked targets, client errors, oversize and unparsable pages do
// not get better by waiting.
func (t ErrorType) Retryable() bool {
	switch t {
	case ErrTimeout, ErrDNS, ErrConnect, ErrTLS, ErrHTTP5xx, ErrProxy, ErrBrowser, ErrInternal:
		return true
	}
	return false
}

// FetchError is an error with its classification. Fetchers return it so the
// worker can record the ErrorType and decide on a retry.
type FetchError struct {
	Type ErrorType
	Err  error
	// Detail, when set, is what the log gets beyond Err's text: facts of
	// our own network (the address a name resolved to, the resolver) that
	// the job's record, which API clients read, leaves out.
	Detail string
}

func (e *FetchError) Error() string { return fmt.Sprintf("%s: %v", e.Type, e.Err) }
func (e *FetchError) Unwrap() error { return e.Err }

// Errorf builds a FetchError of type t.
func Errorf(t ErrorType, format string, args ...any) error {
	return &FetchError{Type: t, Err: fmt.Errorf(format, args...)}
}

// TypeOf classifies err: the type of the first FetchError in its chain, or
// ErrInternal.
func TypeOf(err error) ErrorType {
	var fe *FetchError
	if errors.As(err, &fe) {
		return fe.Type
	}
	return ErrInternal
}

// Details is the Detail of the first FetchError in err's chain that has
// one, or "".
func Details(err error) string {
	for err != nil {
		if fe, ok := err.(*FetchError); ok && fe.Detail != "" {
			return fe.Detail
		}
		err = errors.Unwrap(err)
	}
	return ""
}

// Public is an error whose text is msg while errors.Is and errors.As still
// see cause: how a message written for API clients keeps its sentinel.
func Public(msg string, cause error) error { return &publicError{msg: msg, cause: cause} }

type publicError struct {
	msg   string
	cause error
}

func (e *publicError) Error() string { return e.msg }
func (e *publicError) Unwrap() error { return e.cause }
