package httpfetch

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/rank"
)

// Fetcher fetches pages over plain HTTP. It is safe for concurrent use;
// make one per process so connections and limits are shared.
type Fetcher struct {
	cfg           Config
	client        *http.Client
	transport     *http.Transport
	guardedDialer *net.Dialer
	proxyDialer   *net.Dialer
	proxies       []*url.URL
	nextProxy     atomic.Uint64
	limiter       HostLimiter
	robots        *robotsCache // nil unless Config.Robots
	bufs          bufPool
}

var _ crawler.Fetcher = (*Fetcher)(nil)

// Page is a fetch with what the worker's auto mode needs beyond
// crawler.Result: whether the body was HTML at all and how many items the
// selector chose. A non-HTML page is a success with no title and no rank;
// HTML false (or Items 0) is the "no usable HTML" signal to try the browser.
// DurationMS counts from the moment the host slot was held, so politeness
// waits do not read as slow sites.
type Page = crawler.Page

// New builds a Fetcher. It fails only on a malformed proxy URL.
func New(cfg Config) (*Fetcher, error) {
	cfg = cfg.withDefaults()
	proxies, err := parseProxies(cfg.Proxies)
	if err != nil {
		return nil, err
	}
	f := &Fetcher{cfg: cfg, proxies: proxies, limiter: cfg.HostLimiter}
	if f.limiter == nil {
		f.limiter = NewHostLimiter(cfg.PerHostConcurrency, cfg.PerHostGap)
	}
	f.guardedDialer, f.proxyDialer = newDialers(cfg)
	f.transport = f.newTransport()
	f.client = &http.Client{Transport: f.transport, CheckRedirect: f.checkRedirect}
	if cfg.Robots {
		f.robots = &robotsCache{ttl: cfg.RobotsTTL, agent: productToken(cfg.UserAgent), get: f.fetchRobots,
			entries: make(map[string]robotsEntry)}
	}
	return f, nil
}

// Close drops idle connections. In-flight fetches are ended by their
// contexts, not by Close.
func (f *Fetcher) Close() error {
	f.CloseIdleConnections()
	return nil
}

// CloseIdleConnections drops keep-alive connections nothing is using; the
// worker calls it when it goes idle, so a burst's connections (each with
// two goroutines and their buffers) do not stay for IdleConnTimeout.
func (f *Fetcher) CloseIdleConnections() {
	f.transport.CloseIdleConnections()
}

// Fetch implements crawler.Fetcher.
func (f *Fetcher) Fetch(ctx context.Context, job crawler.Job) (crawler.Result, error) {
	p, err := f.FetchPage(ctx, job)
	return p.Result, err
}

// FetchPage fetches job.URL and extracts title and rank. On an HTTP status
// error the returned Page still carries FinalURL and Status.
func (f *Fetcher) FetchPage(ctx context.Context, job crawler.Job) (Page, error) {
	page := Page{Result: crawler.Result{Method: crawler.MethodHTTP}}
	target, err := f.cfg.Policy.ValidateURL(job.URL)
	if err != nil {
		return page, err // typed: parse, or blocked for a refused address literal
	}
	page.FinalURL = target.String()
	if job.Rank != nil {
		if err := rank.ValidateSelector(job.Rank.Selector); err != nil {
			return page, &crawler.FetchError{Type: crawler.ErrParse, Err: err}
		}
	}
	release, err := f.limiter.Acquire(ctx, strings.ToLower(target.Hostname()))
	if err != nil {
		return page, classify(fmt.Errorf("wait for host slot: %w", err), target)
	}
	defer release()

	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	ctx = withJobState(ctx, &jobState{proxy: f.pickProxy()})
	err = f.fetch(ctx, target, job.Rank, &page)
	page.DurationMS = time.Since(start).Milliseconds()
	return page, err
}

func (f *Fetcher) fetch(ctx context.Context, target *url.URL, spec *crawler.RankSpec, page *Page) error {
	if f.robots != nil {
		if err := f.robots.check(ctx, target); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return crawler.Errorf(crawler.ErrInternal, "httpfetch: new request: %w", err)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := f.client.Do(req)
	if err != nil {
		return classify(err, target)
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	page.FinalURL = final.String()
	page.Status = resp.StatusCode
	page.ContentType = resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A little draining lets the connection be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return statusError(resp, final)
	}
	buf := f.bufs.get()
	defer f.bufs.put(buf)
	if err := readBody(resp, f.cfg.MaxBodyBytes, buf); err != nil {
		return classify(err, final)
	}
	page.Bytes = int64(buf.Len())
	if page.HTML = isHTML(page.ContentType, buf.Bytes()); !page.HTML {
		return nil
	}
	body := toUTF8(buf.Bytes(), page.ContentType)
	got, err := rank.Extract(body, final, spec)
	if err != nil {
		return err
	}
	page.Title, page.Rank, page.Items = got.Title, got.Rank, got.Items
	return nil
}

// checkRedirect bounds redirects, keeps them on http(s) and applies
// robots.txt to each hop. The address policy needs nothing here: every new
// connection is checked when dialed.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.cfg.MaxRedirects {
		return crawler.Errorf(crawler.ErrHTTP4xx, "httpfetch: %w (%d)", ErrTooManyRedirects, len(via))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return crawler.Errorf(crawler.ErrBlocked, "httpfetch: redirect to scheme %q: %w", req.URL.Scheme, netguard.ErrInvalidURL)
	}
	if f.robots != nil {
		if js := jobStateFrom(req.Context()); js == nil || !js.skipRobots {
			return f.robots.check(req.Context(), req.URL)
		}
	}
	return nil
}
