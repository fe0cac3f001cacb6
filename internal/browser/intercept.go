package browser

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// An https page through an opaque tunnel reaches the proxy as encrypted
// bytes: it cannot count a compressed body decoded, nor know a document
// from a script, so a 1 GiB gzip bomb costs what the renderer makes of it
// before Chromium's own count stops it (300 to 600 MB). So the session
// ends the TLS of every tunnel that opens with a TLS handshake itself and
// forwards the requests inside it as it forwards plain HTTP: the same
// budget, decoded, per document and per page; the same policy on every
// dial; the same upstream proxy; and the origin's certificate verified
// here, against the system's roots, as Chromium would have.
//
// The certificate the proxy shows Chromium is one self-signed key made at
// start, for every host. Every job's context ignores certificate errors:
// its only peer is its session, whose listener takes the job's
// credentials, so there is no other party whose certificate it could be
// failing to check.

// interceptCert is the proxy's certificate for Chromium: self-signed,
// ECDSA P-256, valid for a day either side of now (the proxy restarts
// with the browser).
func interceptCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("browser: proxy key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("browser: proxy certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "crawler guard proxy"},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("browser: proxy certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// tlsRecordHandshake is the first byte of a TLS connection's first record.
const tlsRecordHandshake = 0x16

// peekFirst is the tunnel's first byte, waited for at most timeout.
func peekFirst(conn net.Conn, br *bufio.Reader, timeout time.Duration) (byte, error) {
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	defer conn.SetReadDeadline(time.Time{})
	b, err := br.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// interceptedConn is a tunnel Chromium opened with CONNECT authority,
// after the CONNECT: its reads start with what the proxy's reader holds.
// scheme is what the requests inside it are for: https, or http for a
// ws:// WebSocket, which Chromium also tunnels.
type interceptedConn struct {
	net.Conn
	r         *bufio.Reader
	authority string
	scheme    string
}

func (c *interceptedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

type tunnelKey struct{}

// tunnelOf is the intercepted tunnel a connection of the session's
// intercept servers is, or nil.
func tunnelOf(c net.Conn) *interceptedConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	ic, _ := c.(*interceptedConn)
	return ic
}

// connListener hands the session's intercepted connections to its https
// server.
type connListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// hand gives c to the server, or reports false once the listener is closed.
func (l *connListener) hand(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }

// newInterceptServer is a session's server for the requests inside its
// intercepted tunnels: HTTP/1.1, over the proxy's TLS for https. Its listener hands
// it *tls.Conn, whose handshake the server runs, so it is started with
// Serve, not ServeTLS.
func (s *session) newInterceptServer(cert tls.Certificate) *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(s.serveIntercepted),
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			NextProtos:   []string{"http/1.1"},
			MinVersion:   tls.VersionTLS12,
		},
		// HTTP/1.1 only: Chromium is offered nothing else.
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quietLog,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if ic := tunnelOf(c); ic != nil {
				return context.WithValue(ctx, tunnelKey{}, ic)
			}
			return ctx
		},
	}
}

// intercept serves the tunnel to authority (host:port) as https, or as
// http when it does not open with TLS: the requests inside it are
// forwarded as plain HTTP ones are.
func (s *session) intercept(client net.Conn, br *bufio.Reader, authority string, isTLS bool) {
	ic := &interceptedConn{Conn: client, r: br, authority: authority, scheme: "http"}
	var conn net.Conn = ic
	if isTLS {
		ic.scheme = "https"
		conn = tls.Server(ic, s.https.TLSConfig)
	}
	if !s.httpsLn.hand(conn) {
		client.Close()
	}
}

// serveIntercepted forwards a request from inside an intercepted tunnel
// to the tunnel's authority over https.
func (s *session) serveIntercepted(w http.ResponseWriter, r *http.Request) {
	tunnel, _ := r.Context().Value(tunnelKey{}).(*interceptedConn)
	if tunnel == nil {
		http.Error(w, "proxy: no tunnel", http.StatusBadRequest)
		return
	}
	if !s.enter() {
		http.Error(w, "proxy: session closed", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	// The target is the one the tunnel was opened to, whatever the
	// request's Host says.
	r.URL.Scheme, r.URL.Host = tunnel.scheme, tunnel.authority
	if host, port, _ := net.SplitHostPort(tunnel.authority); port == map[string]string{"https": "443", "http": "80"}[tunnel.scheme] {
		r.URL.Host = host
		if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
			r.URL.Host = "[" + host + "]"
		}
	}
	r.Host = r.URL.Host
	s.forward(w, r)
}

// isTLSFailure reports whether err is the origin's TLS failing: a
// certificate that does not verify, or a handshake it refused.
func isTLSFailure(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		alert    tls.AlertError
		record   tls.RecordHeaderError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &alert) || errors.As(err, &record)
}
