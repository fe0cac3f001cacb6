package browser

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/mxschmitt/playwright-go"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
)

// jobState is one job's browser context, page and proxy session, and what
// their handlers share.
type jobState struct {
	f       *Fetcher
	ctx     context.Context // the job's: bounds DNS lookups in routes
	sess    *session
	bctx    playwright.BrowserContext
	page    playwright.Page
	crashed atomic.Bool
	over    atomic.Pointer[error] // the budget error that ended the job
	onOver  func(error)           // cancels the job's context

	mu        sync.Mutex
	mainFrame playwright.Frame
	hosts     map[string]error   // policy verdict per host name, for this job
	navErr    error              // why a route refused the first refused main navigation
	refused   map[string]error   // main-frame requests a route refused, by URL
	lastNav   playwright.Request // the last main-frame request that failed, redirect hops included
}

// exceed ends the job as over its byte budget, once: the proxy or the
// page's own count (watch.go) may find it first.
func (j *jobState) exceed(err error) {
	if !j.over.CompareAndSwap(nil, &err) {
		return
	}
	j.sess.halt(err)
	if j.onOver != nil {
		j.onOver(err)
	}
}

func (j *jobState) overErr() error {
	if e := j.over.Load(); e != nil {
		return *e
	}
	return nil
}

// route decides every request of the job's context, before Chromium sends
// it: images, fonts and media are refused unless configured, other
// schemes than http(s) too, and each host must resolve only to addresses
// the policy allows. Playwright runs each call in its own goroutine.
func (j *jobState) route(r playwright.Route) {
	req := r.Request()
	main := j.isMain(req)
	if !main && !j.f.cfg.LoadResources {
		switch req.ResourceType() {
		case "image", "font", "media":
			_ = r.Abort("blockedbyclient")
			return
		}
	}
	if err := j.check(req.URL()); err != nil {
		if crawler.TypeOf(err) == crawler.ErrBlocked {
			j.f.blockedRequest()
		}
		if main {
			j.refuseNav(req.URL(), err)
		}
		_ = r.Abort(abortCode(err))
		return
	}
	_ = r.Continue()
}

// trackNav remembers the main-frame request that failed: it may be a
// redirect hop, which no route saw; Chromium's error for a refused CONNECT
// names only the first URL; and an error status with no body fails the
// navigation with the response still on the request. Failed requests
// only, so a page's requests cost no event each.
func (j *jobState) trackNav(req playwright.Request) {
	if j.isMain(req) {
		j.mu.Lock()
		j.lastNav = req
		j.mu.Unlock()
	}
}

func (j *jobState) isMain(req playwright.Request) bool {
	j.mu.Lock()
	main := j.mainFrame
	j.mu.Unlock()
	return main != nil && req.IsNavigationRequest() && req.Frame() == main
}

func (j *jobState) setPage(pg playwright.Page) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.page, j.mainFrame = pg, pg.MainFrame()
}

func (j *jobState) refuseNav(rawURL string, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.navErr == nil {
		j.navErr = err
	}
	if len(j.refused) < maxRefusals {
		j.refused[rawURL] = err
	}
}

func (j *jobState) nav() (navErr error, lastNav playwright.Request) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.navErr, j.lastNav
}

// check applies the policy to a request URL. Schemes Chromium serves
// itself (data:, blob:) never reach a route; anything else but http(s),
// such as the PDF viewer's chrome-extension: pages, is not needed to read
// a page.
func (j *jobState) check(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return crawler.Errorf(crawler.ErrBlocked, "browser: unparsable request URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return crawler.Errorf(crawler.ErrBlocked, "browser: request scheme %q not allowed", u.Scheme)
	}
	host := u.Hostname()
	j.mu.Lock()
	verdict, seen := j.hosts[host]
	j.mu.Unlock()
	if seen {
		return verdict
	}
	verdict = checkHost(j.ctx, j.f.cfg.Policy, j.f.cfg.Resolver, host)
	j.mu.Lock()
	j.hosts[host] = verdict
	j.mu.Unlock()
	return verdict
}

// checkHost allows host when every address it has passes the policy:
// Chromium, or an upstream proxy, may pick any of them. Errors name the
// host and the kind of address refused, not the addresses.
func checkHost(ctx context.Context, policy netguard.Policy, resolver *net.Resolver, host string) error {
	err := policy.CheckHost(ctx, resolver, host)
	var be *netguard.BlockedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &be):
		return refusedHost(host, err)
	}
	t := crawler.ErrDNS
	if ctx.Err() != nil {
		t = crawler.ErrTimeout
	}
	return &crawler.FetchError{Type: t, Detail: err.Error(),
		Err: crawler.Public("browser: "+netguard.Describe(host, err), err)}
}

// abortCode is the network error Chromium reports for a refused request.
func abortCode(err error) string {
	switch crawler.TypeOf(err) {
	case crawler.ErrDNS:
		return "namenotresolved"
	case crawler.ErrTimeout:
		return "timedout"
	case crawler.ErrBlocked:
		return "blockedbyclient"
	}
	if errors.Is(err, context.Canceled) {
		return "aborted"
	}
	return "failed"
}
