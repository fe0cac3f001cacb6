package netguard

import "errors"

// ErrInvalidURL marks a URL that is malformed or outside what the crawler
// accepts (scheme, length, userinfo, host). It travels inside a
// *crawler.FetchError of type parse. The API answers it with 422.
var ErrInvalidURL = errors.New("invalid url")

// ErrBlocked marks a target address the policy refuses. It travels inside a
// *crawler.FetchError of type blocked, so both errors.Is(err, ErrBlocked) and
// crawler.TypeOf(err) work.
var ErrBlocked = errors.New("target address not allowed")
