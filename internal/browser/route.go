package browser

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/mxschmitt/playwright-go"

	"github.com/crawler-service/crawler/internal/crawler"
)

// jobState is what one job's page handlers share.
type jobState struct {
	f         *Fetcher
	ctx       context.Context // the job's: bounds DNS lookups in routes
	mainFrame playwright.Frame
	crashed   atomic.Bool

	mu      sync.Mutex
	hosts   map[string]error   // policy verdict per host name, for this job
	navErr  error              // why a route refused the main navigation
	lastNav playwright.Request // the last main-frame request that failed, redirect hops included
}

func newJobState(ctx context.Context, f *Fetcher, pg playwright.Page) *jobState {
	j := &jobState{f: f, ctx: ctx, hosts: make(map[string]error)}
	if pg != nil {
		j.mainFrame = pg.MainFrame()
	}
	return j
}

// route decides every request of every page in the context, before
// Chromium sends it: images, fonts and media are refused unless
// configured, other schemes than http(s) too, and each host must resolve
// only to addresses the policy allows. One route on the context, not one
// per page, saves a round trip to the driver per job. Playwright runs each
// call in its own goroutine.
func (f *Fetcher) route(inst *instance) func(playwright.Route) {
	return func(r playwright.Route) {
		req := r.Request()
		j := inst.jobOf(req)
		if j == nil {
			// A popup, or a frame not yet attached: no job to tell, the
			// same policy.
			ctx, cancel := context.WithTimeout(context.Background(), f.cfg.Timeout)
			defer cancel()
			j = newJobState(ctx, f, nil)
		}
		main := j.isMain(req)
		if !main && !f.cfg.LoadResources {
			switch req.ResourceType() {
			case "image", "font", "media":
				_ = r.Abort("blockedbyclient")
				return
			}
		}
		if err := j.check(req.URL()); err != nil {
			if crawler.TypeOf(err) == crawler.ErrBlocked {
				f.blockedRequest()
			}
			if main {
				j.setNavErr(err)
			}
			_ = r.Abort(abortCode(err))
			return
		}
		_ = r.Continue()
	}
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
	return j.mainFrame != nil && req.IsNavigationRequest() && req.Frame() == j.mainFrame
}

func (j *jobState) setNavErr(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.navErr == nil {
		j.navErr = err
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
	verdict = j.resolve(host)
	j.mu.Lock()
	j.hosts[host] = verdict
	j.mu.Unlock()
	return verdict
}

// resolve allows host when every address it has passes the policy:
// Chromium may pick any of them.
func (j *jobState) resolve(host string) error {
	policy := j.f.cfg.Policy
	if addr, err := netip.ParseAddr(host); err == nil {
		return policy.CheckAddr(addr)
	}
	addrs, err := j.f.cfg.Resolver.LookupNetIP(j.ctx, "ip", host)
	if err != nil {
		var t crawler.ErrorType = crawler.ErrDNS
		if j.ctx.Err() != nil {
			t = crawler.ErrTimeout
		}
		return crawler.Errorf(t, "browser: resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return crawler.Errorf(crawler.ErrDNS, "browser: resolve %s: no addresses", host)
	}
	for _, a := range addrs {
		if err := policy.CheckAddr(a); err != nil {
			return fmt.Errorf("browser: request to %s: %w", host, err)
		}
	}
	return nil
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
