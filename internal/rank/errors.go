package rank

import (
	"context"
	"errors"
	"fmt"

	"github.com/crawler-service/crawler/internal/crawler"
)

// ErrInvalidSelector marks a CSS selector that Compile refuses: not CSS,
// not supported, or too costly to match. The API answers 422 with the
// error's text, so each says what to change.
var ErrInvalidSelector = errors.New("invalid css selector")

// errSplit means Compile's reading of a selector differs from cascadia's;
// FuzzCompile looks for selectors that cause it.
var errSplit = errors.New("rank: selector split differs from cascadia's parse")

// selectorError is a refused selector and why, in words a user can act on
// ("rank: selector ":is(a)" uses :is(), which is not supported").
type selectorError struct {
	selector, reason string
}

func (e *selectorError) Error() string {
	if e.selector == "" {
		return "rank: selector " + e.reason
	}
	return fmt.Sprintf("rank: selector %q %s", e.selector, e.reason)
}

func (e *selectorError) Unwrap() error { return ErrInvalidSelector }

func refuse(selector, format string, args ...any) error {
	return &selectorError{selector: selector, reason: fmt.Sprintf(format, args...)}
}

// timeout is Extract's error once ctx is done: the job ran out of time,
// which a later attempt may not.
func timeout(ctx context.Context) error {
	return crawler.Errorf(crawler.ErrTimeout, "rank: stopped reading the page: %w", ctx.Err())
}
