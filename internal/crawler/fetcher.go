package crawler

import "context"

// Fetcher fetches one job's page and, when the job asks, finds the rank.
// Errors are *FetchError so the caller can classify them.
type Fetcher interface {
	Fetch(ctx context.Context, job Job) (Result, error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, job Job) (Result, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, job Job) (Result, error) { return f(ctx, job) }

// Page is a fetch with what the worker's auto mode needs beyond Result: the
// main response's content type, whether it was HTML at all (a PDF or an
// image is a success with no title and no rank), and how many items the
// rank selector chose. HTML false is the "no usable HTML" signal that sends
// an auto job to the browser.
type Page struct {
	Result
	ContentType string
	HTML        bool
	Items       int
}
