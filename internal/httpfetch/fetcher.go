package httpfetch

import (
	"context"
	"io"
	"net"
	"net/http"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// Fetcher fetches pages over plain HTTP. It is safe for concurrent use;
// make one per process so connections are shared.
type Fetcher struct {
	cfg           Config
	client        *http.Client
	transport     *http.Transport
	guardedDialer *net.Dialer
	proxyDialer   *net.Dialer
	robots        *robotsCache // nil unless Config.Robots
	bufs          bufPool
}

var _ fetch.Fetcher = (*Fetcher)(nil)

// New builds a Fetcher.
func New(cfg Config) *Fetcher {
	cfg = cfg.withDefaults()
	f := &Fetcher{cfg: cfg}
	f.guardedDialer, f.proxyDialer = newDialers(cfg)
	f.transport = f.newTransport()
	f.client = &http.Client{Transport: f.transport, CheckRedirect: f.checkRedirect}
	if cfg.Traced {
		f.client.Transport = traced(f.transport)
	}
	if cfg.Robots {
		f.robots = &robotsCache{ttl: cfg.RobotsTTL, agent: productToken(cfg.UserAgent), get: f.fetchRobots,
			entries: make(map[string]robotsEntry)}
	}
	return f
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

// Fetch implements fetch.Fetcher: GET req.URL through req.Proxy, following
// redirects, reading at most Config.MaxBodyBytes of decompressed body. An
// HTML body comes back as UTF-8 in a pooled buffer the Page releases. On
// an HTTP status error the Page still carries FinalURL and Status. The
// caller's ctx bounds the whole fetch.
func (f *Fetcher) Fetch(ctx context.Context, req fetch.Request) (*fetch.Page, error) {
	page := &fetch.Page{FinalURL: req.URL}
	ctx = withJobState(ctx, &jobState{proxy: req.Proxy, hop: req.Hop})
	if f.robots != nil {
		if err := f.robots.check(ctx, req.URL); err != nil {
			return page, err
		}
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL.String(), nil)
	if err != nil {
		return page, crawler.Errorf(crawler.ErrInternal, "httpfetch: new request: %w", err)
	}
	hreq.Header.Set("User-Agent", f.cfg.UserAgent)
	hreq.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	hreq.Header.Set("Accept-Encoding", fetch.AcceptEncoding)
	resp, err := f.client.Do(hreq)
	if err != nil {
		return page, classify(err, req.URL)
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	page.FinalURL = final
	page.Status = resp.StatusCode
	page.ContentType = resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A little draining lets the connection be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return page, statusError(resp, final, jobStateFrom(ctx).proxied())
	}
	buf := f.bufs.get()
	if err := readBody(resp, f.cfg.MaxBodyBytes, buf); err != nil {
		f.bufs.put(buf)
		return page, classify(err, final)
	}
	page.Bytes = int64(buf.Len())
	if page.HTML = isHTML(page.ContentType, buf.Bytes()); !page.HTML {
		f.bufs.put(buf)
		return page, nil
	}
	page.Body = toUTF8(buf.Bytes(), page.ContentType)
	page.Release = func() { f.bufs.put(buf) }
	return page, nil
}

// checkRedirect bounds redirects, keeps them on http(s) and applies
// robots.txt to each hop. The address policy needs nothing here: every new
// connection is checked when dialed.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	// net/http sends the previous URL, query and all, as the next hop's
	// Referer: a token in one site's query would reach the site it
	// redirects to. A crawler owes no site a Referer.
	req.Header.Del("Referer")
	if len(via) > f.cfg.MaxRedirects {
		return crawler.Errorf(crawler.ErrHTTP4xx, "httpfetch: %w (%d)", ErrTooManyRedirects, len(via))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return crawler.Errorf(crawler.ErrBlocked, "httpfetch: redirect to scheme %q: %w", req.URL.Scheme, netguard.ErrInvalidURL)
	}
	if req.URL.User != nil {
		// net/http would send them as Basic auth to the new host; a job's
		// own URL may not carry credentials either.
		return crawler.Errorf(crawler.ErrParse, "httpfetch: redirect to %s with credentials in the URL: %w", crawler.Redact(req.URL), netguard.ErrInvalidURL)
	}
	js := jobStateFrom(req.Context())
	if js != nil && js.hop != nil {
		if err := js.hop(req.Context(), req.URL); err != nil {
			return err
		}
	}
	if f.robots != nil && (js == nil || !js.skipRobots) {
		return f.robots.check(req.Context(), req.URL)
	}
	return nil
}
