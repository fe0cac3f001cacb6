package rank

import "errors"

// ErrInvalidSelector marks a CSS selector that does not compile. Extract
// returns it inside a *crawler.FetchError of type parse; the API checks
// selectors with ValidateSelector first and answers 422.
var ErrInvalidSelector = errors.New("invalid css selector")
