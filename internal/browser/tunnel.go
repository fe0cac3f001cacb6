package browser

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/net/proxy"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// tunnel serves CONNECT: https and WebSockets. The target is checked
// before the tunnel is granted. A tunnel that opens with a TLS handshake or
// an HTTP request is intercepted (intercept.go): the requests inside it are
// forwarded and metered as plain HTTP ones are. A client that waits for
// the server to speak first gets the tunnel as it is, its raw bytes
// counted against the page budget.
func (s *session) tunnel(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, "proxy: CONNECT needs host:port", http.StatusBadRequest)
		return
	}
	if err := s.checkTarget(r.Context(), host, r.Host); err != nil {
		s.refuse(w, r, err)
		return
	}
	client, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	// Tracked from here, the tunnel is cut when the session closes or
	// goes over budget, intercepted or not.
	if !s.track(client) {
		client.Close()
		return
	}
	if _, err := client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		s.untrack(client)
		return
	}
	first, err := peekFirst(client, buf.Reader, tunnelPeekTimeout)
	switch {
	case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
		s.untrack(client)
		return
	case err == nil && (first == tlsRecordHandshake || 'A' <= first && first <= 'Z'):
		// TLS, or an HTTP request (a ws:// WebSocket's upgrade).
		s.intercept(client, buf.Reader, r.Host, first == tlsRecordHandshake)
		return
	}
	// The request's context ended with the hijack; the session's ends
	// at its close.
	upstream, err := s.dialTarget(s.ctx, host, r.Host)
	if err != nil {
		if crawler.TypeOf(err) == crawler.ErrBlocked {
			s.p.onBlocked()
		}
		s.remember(r.Host, err)
		s.untrack(client)
		return
	}
	if !s.track(upstream) {
		upstream.Close()
		s.untrack(client)
		return
	}
	defer s.untrack(client, upstream)
	done := make(chan struct{}, 2)
	go func() {
		// Bytes Chromium sent after CONNECT may already sit in buf.
		_, _ = io.Copy(upstream, buf.Reader)
		closeWrite(upstream)
		done <- struct{}{}
	}()
	go func() {
		_, err := io.Copy(client, &spendingReader{s: s, r: upstream})
		if err != nil && s.overErr() != nil {
			// Over budget: cut both ways at once.
			client.Close()
			upstream.Close()
		}
		closeWrite(client)
		done <- struct{}{}
	}()
	<-done
	<-done
}

// checkTarget refuses a tunnel to hostport that the policy would refuse
// (every address host resolves to must pass: whoever dials next may pick
// any), or whose upstream proxy cannot be chosen.
func (s *session) checkTarget(ctx context.Context, host, hostport string) error {
	up, err := s.chooseUpstream(ctx, &url.URL{Scheme: "https", Host: hostport})
	if err != nil || up != nil {
		return err // chooseUpstream checked the target of a proxied tunnel
	}
	return s.p.checkHost(ctx, host)
}

// tunnelPeekTimeout bounds the wait for a tunnel's first byte: Chromium
// sends its TLS handshake at once; a client still silent after it gets a
// plain tunnel.
const tunnelPeekTimeout = time.Second

// spendingReader counts a tunnel's bytes against the page budget.
type spendingReader struct {
	s *session
	r io.Reader
}

func (sr *spendingReader) Read(p []byte) (int, error) {
	n, err := sr.r.Read(p)
	if n > 0 {
		if over := sr.s.spend(n); over != nil {
			return 0, over
		}
	}
	return n, err
}

// dialTarget connects to hostport directly, through the policy's dialer,
// or through the job's upstream proxy.
func (s *session) dialTarget(ctx context.Context, host, hostport string) (net.Conn, error) {
	up, err := s.chooseUpstream(ctx, &url.URL{Scheme: "https", Host: hostport})
	if err != nil {
		return nil, err
	}
	if up == nil {
		conn, err := s.p.dialer.DialContext(ctx, "tcp", hostport)
		if err != nil {
			return nil, dialError(host, err)
		}
		return conn, nil
	}
	conn, err := s.p.dialVia(ctx, up, hostport)
	if err != nil {
		return nil, proxyError(up, err)
	}
	return conn, nil
}

// dialVia opens a tunnel to hostport through an upstream proxy: CONNECT
// for an http or https proxy, with its user info as Proxy-Authorization,
// or SOCKS5.
func (p *guardProxy) dialVia(ctx context.Context, up *url.URL, hostport string) (net.Conn, error) {
	switch up.Scheme {
	case "socks5", "socks5h":
		var auth *proxy.Auth
		if up.User != nil {
			pw, _ := up.User.Password()
			auth = &proxy.Auth{User: up.User.Username(), Password: pw}
		}
		d, err := proxy.SOCKS5("tcp", fetch.ProxyAddr(up), auth, p.plain)
		if err != nil {
			return nil, err
		}
		return d.(proxy.ContextDialer).DialContext(ctx, "tcp", hostport)
	case "http", "https":
	default:
		return nil, fmt.Errorf("proxy scheme %q not supported", up.Scheme)
	}
	conn, err := p.plain.DialContext(ctx, "tcp", fetch.ProxyAddr(up))
	if err != nil {
		return nil, err
	}
	// Whatever ends ctx ends the handshake too.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if up.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: up.Hostname(), MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	_ = conn.SetDeadline(time.Now().Add(proxyHandshakeTimeout))
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: hostport}, Host: hostport, Header: make(http.Header)}
	if up.User != nil {
		pw, _ := up.User.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(up.User.Username()+":"+pw)))
	}
	br := bufio.NewReader(conn)
	resp, err := writeConnect(conn, br, req)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("the proxy answered CONNECT with %s", resp.Status)
	}
	if err == nil && !stop() {
		err = context.Cause(ctx)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		return &bufferedConn{Conn: conn, r: br}, nil
	}
	return conn, nil
}

const proxyHandshakeTimeout = 10 * time.Second

func writeConnect(conn net.Conn, br *bufio.Reader, req *http.Request) (*http.Response, error) {
	if err := req.Write(conn); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close() // a refusal's body says nothing the status does not
	return resp, nil
}

// bufferedConn is a tunnel whose first bytes the CONNECT reply's reader
// already holds.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *bufferedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

func (s *session) track(conns ...net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	for _, c := range conns {
		s.tunnels[c] = struct{}{}
	}
	return true
}

func (s *session) untrack(conns ...net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range conns {
		c.Close()
		delete(s.tunnels, c)
	}
}

// proxyError is a failure of the job's upstream proxy: type proxy, so the
// job is retried, perhaps through another. The message names neither the
// proxy's credentials nor its address; the detail, for the log, names its
// host.
func proxyError(up *url.URL, err error) error {
	reason := netguard.Innermost(err)
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		reason = "connect to the proxy: " + netguard.Innermost(opErr.Err)
	}
	return &crawler.FetchError{Type: crawler.ErrProxy,
		Detail: fmt.Sprintf("proxy %s: %s", crawler.Redact(up), crawler.RedactText(err.Error())),
		Err:    crawler.Public("browser: proxy: "+reason, err)}
}

// dialError is a failure to reach host directly. Its message names the
// host and the kind of address it refused, never the address a name
// resolved to: that is ours to know, and goes to the detail.
func dialError(host string, err error) error {
	var be *netguard.BlockedError
	if errors.As(err, &be) {
		return refusedHost(host, be)
	}
	return &crawler.FetchError{Type: dialErrorType(err), Detail: crawler.RedactText(err.Error()),
		Err: crawler.Public("browser: proxy: "+netguard.Describe(host, err), err)}
}

// refusedHost is host refused by the policy, in words that name no
// address of ours.
func refusedHost(host string, err error) error {
	return &crawler.FetchError{Type: crawler.ErrBlocked, Detail: crawler.RedactText(err.Error()),
		Err: crawler.Public("browser: "+netguard.Describe(host, err), err)}
}
