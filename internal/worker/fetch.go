package worker

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/crawler-service/crawler/internal/crawler"
)

// PageFetcher is an HTTP fetcher that also says whether the page had
// usable HTML, which auto needs; *httpfetch.Fetcher has it. An HTTP
// fetcher without it is taken to always find HTML.
type PageFetcher interface {
	FetchPage(ctx context.Context, job crawler.Job) (crawler.Page, error)
}

// fetcherRef is a fetcher with the method it implements.
type fetcherRef struct {
	method crawler.Method
	f      crawler.Fetcher // nil: not available
	pages  PageFetcher     // f, when it is one
}

func newRef(m crawler.Method, f crawler.Fetcher) fetcherRef {
	pf, _ := f.(PageFetcher)
	return fetcherRef{method: m, f: f, pages: pf}
}

// fetch reports, besides the result, whether a successful page had usable
// HTML.
func (r fetcherRef) fetch(ctx context.Context, job crawler.Job) (crawler.Result, bool, error) {
	if r.pages != nil {
		p, err := r.pages.FetchPage(ctx, job)
		return p.Result, p.HTML, err
	}
	res, err := r.f.Fetch(ctx, job)
	return res, true, err
}

// idleCloser is a fetcher holding keep-alive connections it can drop.
type idleCloser interface{ CloseIdleConnections() }

// Fetchers runs a job with the fetcher(s) its method asks for: the worker
// and the one-shot crawl command share it, so both follow one auto rule.
type Fetchers struct {
	http    fetcherRef
	browser fetcherRef // fetcher nil: no browser
	log     *slog.Logger
}

// NewFetchers pairs the HTTP fetcher with the browser (nil when there is
// none: browser jobs then fail and auto keeps HTTP's outcome).
func NewFetchers(http, browser crawler.Fetcher, log *slog.Logger) *Fetchers {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fetchers{http: newRef(crawler.MethodHTTP, http), browser: newRef(crawler.MethodBrowser, browser), log: log}
}

func (w *Worker) fetch(ctx context.Context, job crawler.Job) (crawler.Result, crawler.Method, error) {
	return w.fetchers.Fetch(ctx, job)
}

// Fetch runs job. It returns the method that produced the result, or the
// last one tried.
func (w *Fetchers) Fetch(ctx context.Context, job crawler.Job) (crawler.Result, crawler.Method, error) {
	switch job.Method {
	case crawler.MethodHTTP:
		res, _, err := w.try(ctx, w.http, job)
		return res, crawler.MethodHTTP, err
	case crawler.MethodBrowser:
		if w.browser.f == nil {
			return crawler.Result{}, crawler.MethodBrowser, browserUnavailable()
		}
		res, _, err := w.try(ctx, w.browser, job)
		return res, crawler.MethodBrowser, err
	case crawler.MethodAuto, "":
		res, html, err := w.try(ctx, w.http, job)
		if w.browser.f == nil || ctx.Err() != nil || !needsBrowser(job, res, html, err) {
			return res, crawler.MethodHTTP, err
		}
		w.log.Debug("auto: falling back to the browser", "job_id", job.ID, "http_error_type", errType(err), "html", html)
		res, _, err = w.try(ctx, w.browser, job)
		return res, crawler.MethodBrowser, err
	}
	return crawler.Result{}, crawler.MethodHTTP,
		&crawler.FetchError{Type: crawler.ErrInternal, Err: fmt.Errorf("worker: method %q: %w", job.Method, ErrUnknownMethod)}
}

// needsBrowser is auto's fallback rule: HTTP failed in a way a retry could
// mend, was refused with 403 (what bot checks answer a client that runs no
// scripts), found no usable HTML, or found the page but not the ranked
// item (which scripts may render). Other permanent failures (404 and the
// like, blocked, too large, a bad URL or selector) would fail the browser
// the same way.
func needsBrowser(job crawler.Job, res crawler.Result, html bool, err error) bool {
	if err != nil {
		return crawler.TypeOf(err).Retryable() || res.Status == http.StatusForbidden
	}
	return !html || (job.Rank != nil && res.Rank == nil)
}

// try calls one fetcher, turning a panic into an internal job error so a
// bad page cannot take the worker down.
func (w *Fetchers) try(ctx context.Context, ref fetcherRef, job crawler.Job) (res crawler.Result, html bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			why := crawler.RedactText(fmt.Sprint(p))
			w.log.Error("fetcher panicked", "job_id", job.ID, "method", ref.method, "panic", why, "stack", string(debug.Stack()))
			res, html, err = crawler.Result{}, false, crawler.Errorf(crawler.ErrInternal, "worker: %s fetcher panicked: %s", ref.method, why)
		}
	}()
	res, html, err = ref.fetch(ctx, job)
	if err == nil {
		res.Method = ref.method
	}
	// Error texts quote the URLs libraries were given: whatever logs or
	// stores them (the worker, the crawl command) gets them without query
	// strings, whichever fetcher wrote them.
	return res, html, crawler.RedactError(err)
}

func browserUnavailable() error {
	return &crawler.FetchError{Type: crawler.ErrBrowser, Err: fmt.Errorf("worker: %w", ErrBrowserUnavailable)}
}

func errType(err error) crawler.ErrorType {
	if err == nil {
		return ""
	}
	return crawler.TypeOf(err)
}

// closeIdle drops the fetchers' unused connections, when they hold any.
func (fs *Fetchers) closeIdle() {
	for _, r := range []fetcherRef{fs.http, fs.browser} {
		if c, ok := r.f.(idleCloser); ok {
			c.CloseIdleConnections()
		}
	}
}
