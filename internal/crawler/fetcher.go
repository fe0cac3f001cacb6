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
