package httpfetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// jobState travels in the request context of one job: which proxy the job
// was given, and which proxy address the transport is about to dial.
type jobState struct {
	proxy      fetch.ProxyFunc // the job's proxy rule; nil: direct
	hop        func(ctx context.Context, next *url.URL) error
	proxyAddr  atomic.Pointer[string] // host:port of the proxy chosen for the latest request
	skipRobots bool                   // the robots.txt request itself
}

type jobStateKey struct{}

func withJobState(ctx context.Context, js *jobState) context.Context {
	return context.WithValue(ctx, jobStateKey{}, js)
}

func jobStateFrom(ctx context.Context) *jobState {
	js, _ := ctx.Value(jobStateKey{}).(*jobState)
	return js
}

func (f *Fetcher) newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                  f.proxyFor,
		OnProxyConnectResponse: proxyConnectResponse,
		DialContext:            f.dial,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           f.cfg.MaxIdleConns,
		MaxIdleConnsPerHost:    f.cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    2 * f.cfg.ConnectTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
		// Compression is negotiated and undone in body.go, where the
		// decompressed size can be bounded and deflate is handled too.
		DisableCompression: true,
		ReadBufferSize:     32 << 10,
		TLSClientConfig:    &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: f.cfg.RootCAs},
	}
}

// dial checks every address it connects to against the policy (in the
// dialer's Control hook, after DNS, before connect), except the proxy this
// very request was routed through: proxies are trusted configuration, and
// their targets were checked in proxyFor before the request left.
func (f *Fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if js := jobStateFrom(ctx); js != nil {
		if p := js.proxyAddr.Load(); p != nil && *p == addr {
			return f.proxyDialer.DialContext(ctx, network, addr)
		}
	}
	return f.guardedDialer.DialContext(ctx, network, addr)
}

// proxyFor is the transport's Proxy hook. When a request goes through a
// proxy the dial reaches only the proxy, so the target is resolved and
// checked here instead; a proxy that resolves the name differently (DNS
// rebinding between the two lookups) is the one gap, and the proxy is ours.
func (f *Fetcher) proxyFor(req *http.Request) (*url.URL, error) {
	js := jobStateFrom(req.Context())
	var p *url.URL
	if js != nil && js.proxy != nil {
		var err error
		if p, err = js.proxy(req.URL); err != nil {
			return nil, crawler.Errorf(crawler.ErrProxy, "httpfetch: choose a proxy: %w", err)
		}
	}
	if js != nil {
		addr := ""
		if p != nil {
			addr = fetch.ProxyAddr(p)
		}
		js.proxyAddr.Store(&addr)
	}
	if p == nil {
		return nil, nil
	}
	if err := f.checkTarget(req.Context(), req.URL.Hostname()); err != nil {
		return nil, err
	}
	return p, nil
}

// checkTarget applies the policy to every address host resolves to.
func (f *Fetcher) checkTarget(ctx context.Context, host string) error {
	err := f.cfg.Policy.CheckHost(ctx, f.cfg.Resolver, host)
	if err == nil || errors.Is(err, netguard.ErrBlocked) {
		return err
	}
	return fmt.Errorf("httpfetch: resolve %s before proxying: %w", host, err)
}

// proxyConnectResponse types a proxy's refusal of a CONNECT (a 407, a
// 502): net/http reports it as bare status text, which reads as internal.
func proxyConnectResponse(_ context.Context, _ *url.URL, _ *http.Request, resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return crawler.Errorf(crawler.ErrProxy, "httpfetch: the proxy answered CONNECT with %s", resp.Status)
}

// proxied reports whether the job's latest request went through a proxy.
func (js *jobState) proxied() bool {
	if js == nil {
		return false
	}
	p := js.proxyAddr.Load()
	return p != nil && *p != ""
}

func newDialers(cfg Config) (guarded, plain *net.Dialer) {
	plain = &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second, Resolver: cfg.Resolver}
	guarded = &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second, Resolver: cfg.Resolver,
		Control: cfg.Policy.Control}
	return guarded, plain
}
