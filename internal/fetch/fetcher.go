package fetch

import (
	"context"
	"net/url"
)

// Request is what a Fetcher is asked for, after the opening step.
type Request struct {
	// URL has passed the target policy. Fetchers still check every
	// address they dial (redirects, DNS answers) against it.
	URL *url.URL
	// Selector is the job's validated rank selector, or "": the browser
	// may wait for it to appear before it reads the page.
	Selector string
	// Proxy is the job's outbound proxy rule; nil: direct.
	Proxy ProxyFunc
	// Hop, when not nil, is called before a redirect is followed to
	// another URL: it moves the job's per-host slot to that URL's host,
	// so a chain of redirects cannot put more requests on one host than
	// its limit. An error ends the fetch with it. The browser, whose
	// navigations Chromium follows, does not call it.
	Hop func(ctx context.Context, next *url.URL) error
}

// Page is what a Fetcher returns. On an HTTP status error it still
// carries FinalURL and Status.
type Page struct {
	FinalURL    *url.URL
	Status      int
	ContentType string
	// HTML false is a page that is not a document (a PDF, an image): a
	// success with no title and no rank.
	HTML bool
	// Body is the document as UTF-8, valid until Release.
	Body []byte
	// Bytes is the size reported as the job's: the body read, or the
	// rendered document.
	Bytes int64
	// Release, when not nil, returns Body's buffer; the pipeline calls it
	// once ranking is done.
	Release func()
}

func (p *Page) release() {
	if p != nil && p.Release != nil {
		p.Release()
		p.Release = nil
	}
}

// Fetcher turns a URL into a page.
type Fetcher interface {
	Fetch(ctx context.Context, req Request) (*Page, error)
}

// HostLimiter is per-host politeness. host is a normalised host
// (netguard.HostKey), so spellings of one host share one limit.
type HostLimiter interface {
	// Acquire blocks until a request to host may start or ctx ends. The
	// caller calls release exactly once when the request is over.
	Acquire(ctx context.Context, host string) (release func(), err error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, req Request) (*Page, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, req Request) (*Page, error) { return f(ctx, req) }
