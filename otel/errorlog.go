package otel

import (
	"log/slog"
	"strings"
	"sync"
	"time"
)

// maxErrorKeys bounds the distinct messages ErrorHandler remembers: an
// error carrying an ever-new detail must not grow it without end.
const maxErrorKeys = 256

// ErrorHandler sends the OpenTelemetry SDK's errors (a failed export, a
// callback error) to a structured logger instead of Go's default log
// package, which writes plain text to stderr in a process whose every other
// line is JSON. It writes at most one line per distinct message per
// interval; the next line of that message says how many it held back.
// Install it with go.opentelemetry.io/otel.SetErrorHandler.
type ErrorHandler struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	seen map[string]*errorEntry
}

type errorEntry struct {
	last       time.Time
	suppressed int
}

// NewErrorHandler logs to log, at most one line per distinct message every
// interval (a minute when interval is not positive).
func NewErrorHandler(log *slog.Logger, interval time.Duration) *ErrorHandler {
	if interval <= 0 {
		interval = time.Minute
	}
	return &ErrorHandler{log: log, every: interval, now: time.Now, seen: map[string]*errorEntry{}}
}

// Handle logs err unless a line with the same message went out within the
// interval.
func (h *ErrorHandler) Handle(err error) {
	if err == nil {
		return
	}
	msg := err.Error()
	key := errorKey(msg)
	now := h.now()
	h.mu.Lock()
	e, ok := h.seen[key]
	if ok && now.Sub(e.last) < h.every {
		e.suppressed++
		h.mu.Unlock()
		return
	}
	if !ok {
		if len(h.seen) >= maxErrorKeys {
			h.forgetLocked(now)
		}
		e = &errorEntry{}
		h.seen[key] = e
	}
	suppressed := e.suppressed
	e.last, e.suppressed = now, 0
	h.mu.Unlock()
	attrs := []any{"err", msg}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	h.log.Error("opentelemetry", attrs...)
}

// forgetLocked drops the messages not seen within the interval, or all of
// them when every one is recent.
func (h *ErrorHandler) forgetLocked(now time.Time) {
	for k, e := range h.seen {
		if now.Sub(e.last) >= h.every {
			delete(h.seen, k)
		}
	}
	if len(h.seen) >= maxErrorKeys {
		clear(h.seen)
	}
}

// errorKey is msg with digits masked: the same failure with another
// request id, count or address is the same message.
func errorKey(msg string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, msg)
}
