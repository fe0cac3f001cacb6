package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
)

// proxyErrorHeader marks a response the proxy made itself: its value is the
// ErrorType of the failure. The fetcher reads it on the main response so a
// redirect hop the proxy refused fails the job as blocked, not as a 403.
const proxyErrorHeader = "X-Crawler-Proxy-Error"

// guardProxy is the HTTP proxy Chromium sends all its traffic through. Its
// dialer applies the policy to the address really being dialed, before
// connect(2), so what route interception cannot see is refused too:
// redirect hops (Playwright routes only the first request of a chain),
// WebSockets (Chromium tunnels them with CONNECT), and a host whose DNS
// answer changed between the route check and Chromium's request.
type guardProxy struct {
	ln        net.Listener
	srv       *http.Server
	dialer    *net.Dialer
	transport *http.Transport
	forward   *httputil.ReverseProxy
	onBlocked func()

	mu       sync.Mutex
	tunnels  map[net.Conn]struct{}
	refusals map[string]error // by host:port, for CONNECT failures Chromium reports without detail
	closed   bool
	wg       sync.WaitGroup
}

// maxRefusals bounds the refusal memory; it only has to outlive the job
// that asks.
const maxRefusals = 256

func startProxy(policy netguard.Policy, resolver *net.Resolver, onBlocked func()) (*guardProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser: proxy listen: %w", err)
	}
	quiet := log.New(io.Discard, "", 0)
	p := &guardProxy{
		ln:        ln,
		dialer:    &net.Dialer{Timeout: 10 * time.Second, Control: policy.Control, Resolver: resolver},
		onBlocked: onBlocked,
		tunnels:   make(map[net.Conn]struct{}),
		refusals:  make(map[string]error),
	}
	p.transport = &http.Transport{
		Proxy:                 nil, // never chain to HTTP_PROXY: the dialer is the guard
		DialContext:           p.dialer.DialContext,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       30 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Chromium asked for the encoding it can read; pass bodies as sent.
		DisableCompression: true,
	}
	p.forward = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// A forward proxy sends the absolute URL Chromium asked for;
			// no X-Forwarded-* headers, the target should not learn of us.
			pr.Out.URL = pr.In.URL
			pr.Out.Host = pr.In.Host
		},
		Transport:     p.transport,
		FlushInterval: -1, // stream: pages that trickle must reach Chromium as they come
		ModifyResponse: func(r *http.Response) error {
			r.Header.Del(proxyErrorHeader) // only the proxy may say it refused
			return nil
		},
		ErrorHandler: p.refuse,
		ErrorLog:     quiet,
	}
	// Chromium hanging up mid-body is routine when a page closes.
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quiet}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = p.srv.Serve(ln) // ends with ErrServerClosed at close
	}()
	return p, nil
}

// addr is the host:port Chromium is told to use.
func (p *guardProxy) addr() string { return p.ln.Addr().String() }

func (p *guardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "proxy: absolute URL required", http.StatusBadRequest)
		return
	}
	p.forward.ServeHTTP(w, r)
}

// refuse answers a request the proxy could not forward, with the failure's
// type in proxyErrorHeader.
func (p *guardProxy) refuse(w http.ResponseWriter, r *http.Request, err error) {
	t := dialErrorType(err)
	if t == crawler.ErrBlocked {
		p.onBlocked()
	}
	key := r.Host // CONNECT's authority
	if r.Method != http.MethodConnect {
		key = authority(r.URL)
	}
	p.remember(key, err)
	w.Header().Set(proxyErrorHeader, string(t))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	code := http.StatusBadGateway
	if t == crawler.ErrBlocked {
		code = http.StatusForbidden
	}
	w.WriteHeader(code)
	_, _ = io.WriteString(w, err.Error())
}

func (p *guardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	upstream, err := p.dialer.DialContext(r.Context(), "tcp", r.Host)
	if err != nil {
		p.refuse(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	client, buf, err := rc.Hijack()
	if err != nil {
		upstream.Close()
		http.Error(w, "proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	if !p.track(client, upstream) {
		client.Close()
		upstream.Close()
		return
	}
	defer p.untrack(client, upstream)
	if _, err := client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		// Bytes Chromium sent after CONNECT may already sit in buf.
		_, _ = io.Copy(upstream, buf.Reader)
		closeWrite(upstream)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, upstream)
		closeWrite(client)
		done <- struct{}{}
	}()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}

func (p *guardProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	for _, c := range conns {
		p.tunnels[c] = struct{}{}
	}
	// Added under mu and only while open, so close's Wait sees it.
	p.wg.Add(1)
	return true
}

func (p *guardProxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		c.Close()
		delete(p.tunnels, c)
	}
	p.wg.Done()
}

// remember keeps why hostport was refused, for the job that asks: Chromium
// reports a refused CONNECT only as ERR_TUNNEL_CONNECTION_FAILED, and a
// refused request only by the proxy's status.
func (p *guardProxy) remember(hostport string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.refusals) >= maxRefusals {
		clear(p.refusals)
	}
	p.refusals[hostport] = err
}

// refusal returns why the proxy last refused hostport, or nil.
func (p *guardProxy) refusal(hostport string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusals[hostport]
}

// close stops the proxy and cuts open tunnels; it waits for its
// goroutines.
func (p *guardProxy) close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.tunnels {
		c.Close()
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil {
		_ = p.srv.Close()
	}
	p.transport.CloseIdleConnections()
	p.wg.Wait()
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
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return crawler.ErrTimeout
	}
	return crawler.ErrConnect
}
