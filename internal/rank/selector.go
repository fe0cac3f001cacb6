package rank

import (
	"fmt"

	"github.com/andybalholm/cascadia"
)

// MaxSelectorLength bounds the selector text, so a job cannot ship a
// megabyte of :matches() regular expressions to every worker.
const MaxSelectorLength = 1024

// ValidateSelector reports whether sel is a CSS selector Extract can use.
// Errors wrap ErrInvalidSelector and say what is wrong.
func ValidateSelector(sel string) error {
	_, err := compile(sel)
	return err
}

func compile(sel string) (cascadia.SelectorGroup, error) {
	if sel == "" {
		return nil, fmt.Errorf("rank: empty selector: %w", ErrInvalidSelector)
	}
	if len(sel) > MaxSelectorLength {
		return nil, fmt.Errorf("rank: selector longer than %d bytes: %w", MaxSelectorLength, ErrInvalidSelector)
	}
	g, err := cascadia.ParseGroup(sel)
	if err != nil {
		return nil, fmt.Errorf("rank: selector %q: %w: %v", sel, ErrInvalidSelector, err)
	}
	return g, nil
}
