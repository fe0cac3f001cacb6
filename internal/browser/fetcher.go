package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/metrics"
)

// Fetcher renders pages in headless Chromium. It is safe for concurrent
// use; make one per process, so all jobs share one browser.
type Fetcher struct {
	cfg   Config
	m     *metrics.Browser
	log   *slog.Logger
	slots chan struct{} // one per open page

	mu        sync.Mutex
	cur       *instance // nil: none launched yet, or the last one was retired
	launching *launchCall
	patched   bool // the driver bundle was patched; only the launch goroutine touches it
	closed    bool
	bg        sync.WaitGroup // launches and background closes, which Close waits for
}

// launchCall is one launch that every job arriving during it waits for.
type launchCall struct {
	done chan struct{}
	err  error
}

var _ fetch.Fetcher = (*Fetcher)(nil)

// New builds a Fetcher. It starts nothing: Chromium is launched by the
// first Fetch, so a process that never gets a browser job never pays for
// one. It fails only on an invalid Config.
func New(cfg Config) (*Fetcher, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m, err := metrics.NewBrowser(cfg.MeterProvider)
	if err != nil {
		return nil, err
	}
	return &Fetcher{cfg: cfg, m: m, log: cfg.Logger, slots: make(chan struct{}, cfg.Concurrency)}, nil
}

// Fetch renders req.URL in a fresh page and returns the rendered DOM.
// Page.Bytes is its size, serialized; for a response that is not HTML it
// is the Content-Length, when given, and Body is empty. ctx bounds the
// whole job, the wait for a page slot and for a launch included.
func (f *Fetcher) Fetch(ctx context.Context, req fetch.Request) (*fetch.Page, error) {
	if f.isClosed() {
		return nil, &crawler.FetchError{Type: crawler.ErrBrowser, Err: fmt.Errorf("browser: fetch: %w", ErrClosed)}
	}
	// The pipeline has checked the URL; a file: URL would still read this
	// machine's files, so the browser never opens anything else.
	if req.URL == nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") || req.URL.Host == "" {
		return nil, crawler.Errorf(crawler.ErrParse, "browser: fetch %s: want an http or https URL", crawler.Redact(req.URL))
	}
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, crawler.Errorf(crawler.ErrTimeout, "browser: wait for a page slot: %w", ctx.Err())
	}
	defer func() { <-f.slots }()
	// A browser that died quietly (its driver killed) is found out when a
	// page will not open; the job then gets a fresh browser, once.
	page, retry, err := f.attempt(ctx, req)
	if retry {
		page, _, err = f.attempt(ctx, req)
	}
	return page, err
}

// attempt runs the job on the current browser. It asks for a retry when
// the browser turned out dead before the page opened.
func (f *Fetcher) attempt(ctx context.Context, req fetch.Request) (_ *fetch.Page, retry bool, _ error) {
	inst, err := f.acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	defer f.release(inst)
	// Going over the byte budget cancels the job at once, from the proxy
	// or the page's own count, whatever Playwright call is waiting.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	j, err := f.openJob(ctx, inst, req, cancel)
	if err != nil {
		return nil, errors.Is(err, ErrDisconnected), err
	}
	defer f.closeJob(j)
	page, err := f.render(ctx, inst, j, req)
	if over := j.overErr(); over != nil {
		// Whatever was read, the page went on loading past its budget.
		return page, false, over
	}
	return page, false, err
}

// acquire returns the current healthy instance with a reference held,
// launching one when there is none. Jobs that arrive during a launch wait
// for it, bounded by their own context; the launch itself is not, so one
// impatient job does not waste it for the others.
func (f *Fetcher) acquire(ctx context.Context) (*instance, error) {
	for {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return nil, &crawler.FetchError{Type: crawler.ErrBrowser, Err: ErrClosed}
		}
		if inst := f.cur; inst != nil {
			if inst.healthy() {
				inst.refs++
				f.mu.Unlock()
				return inst, nil
			}
			f.retireLocked(inst)
		}
		call := f.launching
		if call == nil {
			call = &launchCall{done: make(chan struct{})}
			f.launching = call
			f.bg.Add(1)
			go f.runLaunch(call)
		}
		f.mu.Unlock()
		select {
		case <-call.done:
			if call.err != nil {
				return nil, &crawler.FetchError{Type: crawler.ErrBrowser, Err: call.err}
			}
		case <-ctx.Done():
			return nil, crawler.Errorf(crawler.ErrTimeout, "browser: wait for launch: %w", ctx.Err())
		}
	}
}

func (f *Fetcher) runLaunch(call *launchCall) {
	defer f.bg.Done()
	inst, err := f.launch()
	f.mu.Lock()
	f.launching = nil
	switch {
	case err != nil:
		f.log.Error("browser launch failed", "error", err)
	case f.closed:
		err = fmt.Errorf("browser: launch finished after Close: %w", ErrClosed)
		f.mu.Unlock()
		inst.shutdown(f.cfg.LaunchTimeout)
		f.mu.Lock()
	default:
		f.cur = inst
	}
	call.err = err
	close(call.done)
	f.mu.Unlock()
}

// release drops a job's reference; the last job on a retired instance
// closes it.
func (f *Fetcher) release(inst *instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inst.refs--
	if inst.retired && inst.refs == 0 {
		f.closeLocked(inst)
	}
}

// lose retires an instance whose browser disconnected or whose renderer
// crashed. Relaunching the whole browser after a renderer crash costs a
// second or two, and buys a clean process after whatever broke it.
func (f *Fetcher) lose(inst *instance, reason string) {
	if inst.closing.Load() || !inst.lost.CompareAndSwap(false, true) {
		return
	}
	f.m.Lost(context.Background(), reason)
	f.log.Warn("browser lost; the next job relaunches it", "reason", reason)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retireLocked(inst)
}

func (f *Fetcher) retireLocked(inst *instance) {
	if f.cur == inst {
		f.cur = nil
	}
	inst.retired = true
	if inst.refs == 0 {
		f.closeLocked(inst)
	}
}

// closeLocked closes inst in the background: it may be called from a
// Playwright event handler, which must not wait on Playwright.
func (f *Fetcher) closeLocked(inst *instance) {
	if inst.closed {
		return
	}
	inst.closed = true
	inst.closing.Store(true)
	f.bg.Add(1)
	go func() {
		defer f.bg.Done()
		inst.shutdown(f.cfg.LaunchTimeout)
	}()
}

func (f *Fetcher) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func (f *Fetcher) blockedRequest() { f.m.RequestBlocked(context.Background()) }

// Close stops the browser, its driver and proxy, and waits until they are
// gone, with any launch under way. Jobs still running fail; the worker
// drains before it closes the browser. Close is safe to call twice and on a
// Fetcher that never launched.
func (f *Fetcher) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		f.bg.Wait()
		return nil
	}
	f.closed = true
	if inst := f.cur; inst != nil {
		f.cur = nil
		inst.retired = true
		f.closeLocked(inst)
	}
	f.mu.Unlock()
	f.bg.Wait()
	return nil
}
