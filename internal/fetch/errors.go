package fetch

import "errors"

var (
	// ErrConfig is a Pipeline built from an incomplete Config.
	ErrConfig = errors.New("invalid pipeline config")
	// ErrUnknownMethod is a job whose method no fetcher implements.
	ErrUnknownMethod = errors.New("unknown method")
	// ErrNoBrowser is a browser job in a process without a browser.
	ErrNoBrowser = errors.New("no browser in this process")
	// ErrBadProxy is a proxy URL that cannot be used.
	ErrBadProxy = errors.New("invalid proxy")
)
