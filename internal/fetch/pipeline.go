package fetch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/jobtrace"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/rank"
)

// Config is what a Pipeline is built from.
type Config struct {
	Policy netguard.Policy
	// Hosts limits requests per normalised host, for every method alike.
	// Required.
	Hosts HostLimiter
	// Timeout bounds one method's attempt at a job, from the moment its
	// host slot is held: the fetch and the ranking both. Required.
	Timeout time.Duration
	// Fetchers by method: http is required; browser may be missing (its
	// jobs then fail and auto keeps HTTP's outcome).
	Fetchers map[crawler.Method]Fetcher
	// Proxies chooses each job's outbound proxy; nil: direct.
	Proxies *Proxies
	Logger  *slog.Logger
}

// Pipeline runs jobs. It is safe for concurrent use.
type Pipeline struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg and builds a Pipeline.
func New(cfg Config) (*Pipeline, error) {
	switch {
	case cfg.Hosts == nil:
		return nil, fmt.Errorf("fetch: no host limiter: %w", ErrConfig)
	case cfg.Timeout <= 0:
		return nil, fmt.Errorf("fetch: timeout %s: %w", cfg.Timeout, ErrConfig)
	case cfg.Fetchers[crawler.MethodHTTP] == nil:
		return nil, fmt.Errorf("fetch: no http fetcher: %w", ErrConfig)
	}
	for m := range cfg.Fetchers {
		if !m.Fetches() {
			return nil, fmt.Errorf("fetch: fetcher for method %q: %w", m, ErrConfig)
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{cfg: cfg, log: log}, nil
}

// Methods are the fetch methods the pipeline has a fetcher for, in
// crawler.FetchMethods order: what a worker running it can do.
func (p *Pipeline) Methods() []crawler.Method {
	var ms []crawler.Method
	for _, m := range crawler.FetchMethods {
		if p.cfg.Fetchers[m] != nil {
			ms = append(ms, m)
		}
	}
	return ms
}

// opened is a job after the opening step.
type opened struct {
	target *url.URL
	host   string      // netguard.HostKey of target
	query  *rank.Query // nil: no rank asked
	proxy  ProxyFunc   // one choice for every method of the job
	job    crawler.Job
}

// open is the one opening step of every method: the target policy on the
// job's URL, the selector compiled once, the host's normalised key.
func (p *Pipeline) open(job crawler.Job) (opened, error) {
	target, err := p.cfg.Policy.ValidateURL(job.URL)
	if err != nil {
		return opened{}, err // typed: parse, or blocked for a refused address literal
	}
	netguard.Normalize(target)
	o := opened{target: target, host: netguard.HostKey(target), job: job, proxy: p.cfg.Proxies.ForJob()}
	if job.Rank != nil {
		q, err := rank.Compile(job.Rank.Selector, job.Rank.Match)
		if err != nil {
			return opened{}, &crawler.FetchError{Type: crawler.ErrParse, Err: err}
		}
		o.query = q
	}
	return o, nil
}

// Run runs job with the method(s) it asks for. It returns the method that
// produced the result, or the last one tried. Errors are
// *crawler.FetchError and quote no URL's query string.
func (p *Pipeline) Run(ctx context.Context, job crawler.Job) (crawler.Result, crawler.Method, error) {
	method := job.Method
	if method == "" {
		method = crawler.MethodAuto
	}
	first := method
	if method == crawler.MethodAuto {
		first = crawler.MethodHTTP
	}
	if !method.Valid() {
		// No method ran: "" rather than a real method's name, so the job
		// is not recorded as one.
		return crawler.Result{}, "", crawler.Errorf(crawler.ErrParse, "fetch: method %q: %w", method, ErrUnknownMethod)
	}
	o, err := p.open(job)
	if err != nil {
		return crawler.Result{FinalURL: crawler.RedactURL(job.URL)}, first, crawler.RedactError(err)
	}
	res, out := p.try(ctx, first, o)
	if method != crawler.MethodAuto || ctx.Err() != nil || p.cfg.Fetchers[crawler.MethodBrowser] == nil || !out.needsBrowser(o) {
		return res, first, out.err
	}
	p.log.Debug("auto: falling back to the browser", "job_id", job.ID, "http_error_type", errType(out.err), "html", out.html)
	res, out = p.try(ctx, crawler.MethodBrowser, o)
	return res, crawler.MethodBrowser, out.err
}

// outcome is one method's attempt, with what the auto rule reads.
type outcome struct {
	err    error
	status int
	html   bool
	ranked bool // a rank was found
	// ranking: the error came from ranking a fetched page, which another
	// method would only fetch again to rank the same way.
	ranking bool
}

// needsBrowser is auto's fallback rule: HTTP failed in a way a retry could
// mend, was refused with 403 (what bot checks answer a client that runs no
// scripts), found no usable HTML, or found the page but not the ranked
// item (which scripts may render). Other permanent failures (404 and the
// like, blocked, too large, a bad URL or selector) would fail the browser
// the same way, and so would a page whose ranking ran out of time.
func (o outcome) needsBrowser(op opened) bool {
	if o.err != nil {
		return !o.ranking && (crawler.TypeOf(o.err).Retryable() || o.status == http.StatusForbidden)
	}
	return !o.html || (op.query != nil && !o.ranked)
}

// try runs one method: host slot, fetch, rank, all within the timeout. A
// fetcher's panic becomes an internal job error, so a bad page cannot take
// the worker down.
func (p *Pipeline) try(ctx context.Context, m crawler.Method, o opened) (res crawler.Result, out outcome) {
	res = crawler.Result{Method: m, FinalURL: o.target.String()}
	f := p.cfg.Fetchers[m]
	if f == nil {
		out.err = crawler.Errorf(crawler.ErrBrowser, "fetch: %w", ErrNoBrowser)
		return res, out
	}
	ctx, span := jobtrace.Start(ctx, "fetch "+string(m))
	defer func() { jobtrace.End(span, out.err) }()
	slot := &heldSlot{hosts: p.cfg.Hosts}
	if err := slot.move(ctx, o.host); err != nil {
		out.err = err
		return res, out
	}
	defer slot.drop()
	span.AddEvent("host slot acquired")
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			why := crawler.RedactText(fmt.Sprint(r))
			p.log.Error("fetcher panicked", "job_id", o.job.ID, "method", m, "panic", why, "stack", string(debug.Stack()))
			out = outcome{err: crawler.Errorf(crawler.ErrInternal, "fetch: %s fetcher panicked: %s", m, why)}
		}
		res.DurationMS = time.Since(start).Milliseconds()
		// Error texts quote the URLs libraries were given: whatever logs
		// or stores them gets them without query strings.
		out.err = crawler.RedactError(out.err)
	}()
	selector := ""
	if o.job.Rank != nil {
		selector = o.job.Rank.Selector
	}
	page, err := f.Fetch(ctx, Request{URL: o.target, Selector: selector, Proxy: o.proxy,
		Hop: func(ctx context.Context, next *url.URL) error { return slot.move(ctx, netguard.HostKey(next)) }})
	defer page.release()
	if page != nil {
		if page.FinalURL != nil {
			res.FinalURL = page.FinalURL.String()
		}
		res.Status, res.Bytes, out.status, out.html = page.Status, page.Bytes, page.Status, page.HTML
	}
	if err != nil {
		out.err = err
		return res, out
	}
	if !page.HTML {
		return res, out
	}
	got, err := extract(ctx, page, o.query)
	if err != nil {
		out.err, out.ranking = err, true
		return res, out
	}
	res.Title, res.Rank, out.ranked = got.Title, got.Rank, got.Rank != nil
	return res, out
}

// extract ranks a fetched page in a span of its own.
func extract(ctx context.Context, page *Page, q *rank.Query) (_ rank.Page, err error) {
	ctx, span := jobtrace.Start(ctx, "rank")
	defer func() { jobtrace.End(span, err) }()
	return rank.Extract(ctx, page.Body, page.FinalURL, q)
}

// heldSlot is the per-host slot a job holds, on one host at a time: a
// redirect to another host gives the slot back before it waits for the
// next host's, so no job holds two slots or waits while holding one.
type heldSlot struct {
	hosts   HostLimiter
	host    string
	release func()
}

func (s *heldSlot) move(ctx context.Context, host string) error {
	if s.release != nil && host == s.host {
		return nil
	}
	s.drop()
	release, err := s.hosts.Acquire(ctx, host)
	if err != nil {
		return crawler.Errorf(crawler.ErrTimeout, "fetch: wait for the host limit: %w", err)
	}
	s.host, s.release = host, release
	return nil
}

func (s *heldSlot) drop() {
	if s.release != nil {
		s.release()
		s.release = nil
	}
}

func errType(err error) crawler.ErrorType {
	if err == nil {
		return ""
	}
	return crawler.TypeOf(err)
}

// CloseIdleConnections drops the fetchers' unused keep-alive connections,
// where they hold any; the worker calls it when it goes idle.
func (p *Pipeline) CloseIdleConnections() {
	for _, f := range p.cfg.Fetchers {
		if c, ok := f.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	}
}
