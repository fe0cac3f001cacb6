package browser

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// proxyErrorHeader marks a response the proxy made itself: its value is the
// ErrorType of the failure. The fetcher reads it on the main response so a
// redirect hop the proxy refused fails the job as blocked, not as a 403.
const proxyErrorHeader = "X-Crawler-Proxy-Error"

// maxHeaderBytes bounds a response's headers, as the HTTP fetcher does.
const maxHeaderBytes = 1 << 20

// guardProxy is the HTTP proxy Chromium sends all its traffic through. Each
// job's browser context gets a session of its own (session.go): its own
// listener, so the proxy knows whose bytes it carries without trusting
// anything Chromium sends. Its dialer applies the policy to the address
// really being dialed, before connect(2), so what route interception
// cannot see is refused too: redirect hops (Playwright routes only the
// first request of a chain), WebSockets (Chromium tunnels them with
// CONNECT), and a host whose DNS answer changed between the route check and
// Chromium's request. Through a job's upstream proxy the target is checked
// before the request leaves, as the HTTP fetcher does.
type guardProxy struct {
	policy    netguard.Policy
	resolver  *net.Resolver
	dialer    *net.Dialer // to targets: the policy's Control hook
	plain     *net.Dialer // to upstream proxies, which are trusted configuration
	direct    *httputil.ReverseProxy
	chained   *httputil.ReverseProxy
	onBlocked func()
	maxDoc    int64
	maxPage   int64
	cert      tls.Certificate // shown to Chromium in intercepted tunnels

	ln   net.Listener // the browser-wide proxy: refuses all, as no job owns it
	base *http.Server

	mu       sync.Mutex
	sessions map[*session]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// proxyConfig is what a guardProxy is built from.
type proxyConfig struct {
	policy    netguard.Policy
	resolver  *net.Resolver
	onBlocked func()
	// maxDoc and maxPage are each session's byte budget.
	maxDoc, maxPage int64
	// targetRoots verify targets' certificates (nil: the system's roots).
	targetRoots *x509.CertPool
}

func startProxy(cfg proxyConfig) (*guardProxy, error) {
	cert, err := interceptCert()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser: proxy listen: %w", err)
	}
	p := &guardProxy{
		policy:    cfg.policy,
		resolver:  cfg.resolver,
		dialer:    &net.Dialer{Timeout: 10 * time.Second, Control: cfg.policy.Control, Resolver: cfg.resolver},
		plain:     &net.Dialer{Timeout: 10 * time.Second, Resolver: cfg.resolver},
		onBlocked: cfg.onBlocked,
		maxDoc:    cfg.maxDoc,
		maxPage:   cfg.maxPage,
		cert:      cert,
		ln:        ln,
		sessions:  make(map[*session]struct{}),
	}
	// Targets' certificates are verified here, for Chromium (intercept.go).
	targetTLS := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.targetRoots}
	p.direct = p.reverseProxy(&http.Transport{
		Proxy:           nil, // never HTTP_PROXY: the dialer is the guard
		DialContext:     p.dialer.DialContext,
		TLSClientConfig: targetTLS,
	})
	p.chained = p.reverseProxy(&http.Transport{
		// The job's upstream, chosen and its target checked in
		// session.forward; net/http sends the URL's user info to it as
		// Proxy-Authorization.
		Proxy:           func(r *http.Request) (*url.URL, error) { return reqStateFrom(r.Context()).upstream, nil },
		DialContext:     p.plain.DialContext,
		TLSClientConfig: targetTLS,
	})
	// Chromium hanging up mid-body is routine when a page closes.
	p.base = &http.Server{Handler: http.HandlerFunc(refuseUnowned), ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog}
	p.wg.Go(func() { _ = p.base.Serve(ln) }) // ends with ErrServerClosed at close
	return p, nil
}

var quietLog = log.New(io.Discard, "", 0)

func (p *guardProxy) reverseProxy(t *http.Transport) *httputil.ReverseProxy {
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 8
	t.IdleConnTimeout = 30 * time.Second
	t.ExpectContinueTimeout = time.Second
	t.MaxResponseHeaderBytes = maxHeaderBytes
	// The proxy undoes compression itself (meter.go), where it can count
	// the bytes it lets through.
	t.DisableCompression = true
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// A forward proxy sends the absolute URL Chromium asked for;
			// no X-Forwarded-* headers, the target should not learn of us.
			pr.Out.URL = pr.In.URL
			pr.Out.Host = pr.In.Host
			if ae := pr.In.Header.Get("Accept-Encoding"); ae != "" {
				pr.Out.Header.Set("Accept-Encoding", fetch.AcceptEncoding)
			}
			// A WebSocket's messages are counted as they arrive; with
			// permessage-deflate Chromium would inflate them past the
			// count (16 KB on the wire, 16 MB in the page).
			pr.Out.Header.Del("Sec-WebSocket-Extensions")
		},
		Transport:      t,
		FlushInterval:  -1, // stream: pages that trickle must reach Chromium as they come
		ModifyResponse: modifyResponse,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			rs := reqStateFrom(r.Context())
			rs.s.refuse(w, r, rs.classify(err))
		},
		ErrorLog: quietLog,
	}
}

// modifyResponse meters a response's body for its session, after
// dropping a header only the proxy may set.
func modifyResponse(resp *http.Response) error {
	resp.Header.Del(proxyErrorHeader)
	// A target's challenge would make the job's context answer with the
	// credentials it has, the session's (auth.go); the crawler never logs
	// in, so the challenge goes no further.
	resp.Header.Del("WWW-Authenticate")
	rs := reqStateFrom(resp.Request.Context())
	if rs.upstream != nil && resp.StatusCode == http.StatusProxyAuthRequired {
		return crawler.Errorf(crawler.ErrProxy, "browser: proxy %s refused the request: %s", rs.upstream.Host, resp.Status)
	}
	return rs.s.meter(resp, rs.doc)
}

// refuseUnowned answers requests on the browser-wide proxy address, which
// only Chromium's own traffic outside any job's context would use.
func refuseUnowned(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		http.Error(w, "proxy: no job", http.StatusForbidden)
		return
	}
	w.Header().Set(proxyErrorHeader, string(crawler.ErrBlocked))
	http.Error(w, "proxy: no job", http.StatusForbidden)
}

// addr is the host:port Chromium is told to use outside any job.
func (p *guardProxy) addr() string { return p.ln.Addr().String() }

// close stops the proxy and every session, cutting open tunnels; it waits
// for its goroutines.
func (p *guardProxy) close() {
	p.mu.Lock()
	p.closed = true
	sessions := make([]*session, 0, len(p.sessions))
	for s := range p.sessions {
		sessions = append(sessions, s)
	}
	p.mu.Unlock()
	for _, s := range sessions {
		s.close()
	}
	_ = p.base.Close()
	for _, rp := range []*httputil.ReverseProxy{p.direct, p.chained} {
		rp.Transport.(*http.Transport).CloseIdleConnections()
	}
	p.wg.Wait()
}

// checkHost allows host when every address it resolves to passes the
// policy: whoever dials it next may pick any of them. The error names the
// host and the kind of address, not the address.
func (p *guardProxy) checkHost(ctx context.Context, host string) error {
	return checkHost(ctx, p.policy, p.resolver, host)
}

// authority is u's host:port, with the scheme's default port.
func authority(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" || u.Scheme == "ws" {
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// dialErrorType classifies a failure to reach the target.
func dialErrorType(err error) crawler.ErrorType {
	var fe *crawler.FetchError
	var dns *net.DNSError
	switch {
	case errors.As(err, &fe):
		return fe.Type
	case errors.As(err, &dns):
		if dns.IsTimeout {
			return crawler.ErrTimeout
		}
		return crawler.ErrDNS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return crawler.ErrTimeout
	case isTLSFailure(err):
		return crawler.ErrTLS
	case strings.Contains(err.Error(), "server response headers exceeded"):
		// net/http's only signal for headers past MaxResponseHeaderBytes.
		return crawler.ErrTooLarge
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return crawler.ErrTimeout
	}
	return crawler.ErrConnect
}
