package browser

import (
	"bufio"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/porttest"
)

// startTestProxy starts a guard proxy with the test policy and one job's
// session on it, and the count of requests it refused as blocked.
func startTestProxy(t *testing.T) (*session, *atomic.Int64) {
	t.Helper()
	return startTestSession(t, proxyConfig{}, nil, nil)
}

// startTestSession starts a guard proxy from cfg (the test policy and
// resolver, and the default budgets, where cfg leaves them out) and a
// session with upstream and onOver on it.
func startTestSession(t *testing.T, cfg proxyConfig, upstream func(*url.URL) (*url.URL, error), onOver func(error)) (*session, *atomic.Int64) {
	t.Helper()
	var blocked atomic.Int64
	if cfg.policy.Allow == nil && !cfg.policy.AllowPrivate {
		cfg.policy = onlyLoopback1()
	}
	if cfg.resolver == nil {
		cfg.resolver = dnstest.Start(t, nil).Resolver()
	}
	if cfg.targetRoots == nil {
		cfg.targetRoots = testRoots(t)
	}
	def := Config{}.withDefaults()
	cfg.maxDoc, cfg.maxPage = cmp.Or(cfg.maxDoc, def.MaxBytes), cmp.Or(cfg.maxPage, def.MaxPageBytes)
	cfg.onBlocked = func() { blocked.Add(1) }
	p, err := startProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	s, err := p.newSession(upstream, onOver)
	if err != nil {
		t.Fatal(err)
	}
	return s, &blocked
}

// proxyClient is a client of session p that has its credentials and takes
// the proxy's certificate in the tunnels it intercepts, as the job's
// browser context does.
func proxyClient(t *testing.T, p *session) *http.Client {
	t.Helper()
	proxy := &url.URL{Scheme: "http", Host: p.addr(), User: url.UserPassword(sessionUser, p.secret)}
	tr := &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// TestProxy: the proxy forwards and tunnels to allowed addresses, and
// refuses the others before connecting, saying why.
func TestProxy(t *testing.T) {
	t.Parallel()
	c := newCanary(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(proxyErrorHeader, "blocked") // a target may not speak for the proxy
		fmt.Fprint(w, "hello ", r.URL.Path)
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure")
	}))
	t.Cleanup(secure.Close)
	canaryTLS := "https://" + c.ln.Addr().String() + "/"
	tests := []struct {
		name       string
		url        string
		wantStatus int    // 0: the request fails
		wantBody   string // for a success
		wantHeader string // proxyErrorHeader of a refusal
		wantType   crawler.ErrorType
	}{
		{name: "forward", url: plain.URL + "/x", wantStatus: 200, wantBody: "hello /x"},
		{name: "tunnel", url: secure.URL + "/", wantStatus: 200, wantBody: "secure"},
		{name: "forward refused", url: c.url() + "/", wantStatus: 403, wantHeader: "blocked", wantType: crawler.ErrBlocked},
		{name: "tunnel refused", url: canaryTLS, wantType: crawler.ErrBlocked},
		{name: "forward to metadata", url: "http://169.254.169.254/latest/", wantStatus: 403, wantHeader: "blocked", wantType: crawler.ErrBlocked},
		{name: "forward to closed port", url: "http://" + porttest.Refused(t) + "/", wantStatus: 502, wantHeader: "connect", wantType: crawler.ErrConnect},
		{name: "forward to unknown host", url: "http://no-such-host.invalid/", wantStatus: 502, wantHeader: "dns", wantType: crawler.ErrDNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, blocked := startTestProxy(t)
			resp, err := proxyClient(t, p).Get(tt.url)
			if tt.wantStatus == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("status %d, want the tunnel refused", resp.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus || resp.Header.Get(proxyErrorHeader) != tt.wantHeader {
					t.Fatalf("status %d, %s %q; want %d, %q", resp.StatusCode, proxyErrorHeader, resp.Header.Get(proxyErrorHeader), tt.wantStatus, tt.wantHeader)
				}
				if tt.wantBody != "" && string(body) != tt.wantBody {
					t.Errorf("body %q, want %q", body, tt.wantBody)
				}
			}
			u, _ := url.Parse(tt.url)
			why := p.refusal(authority(u))
			if tt.wantType == "" {
				if why != nil || blocked.Load() != 0 {
					t.Errorf("refusal %v, %d blocked; want none", why, blocked.Load())
				}
				return
			}
			if got := crawler.TypeOf(why); why == nil || got != tt.wantType {
				t.Errorf("refusal %v (type %s), want type %s", why, got, tt.wantType)
			}
			if want := int64(map[bool]int{true: 1}[tt.wantType == crawler.ErrBlocked]); blocked.Load() != want {
				t.Errorf("%d blocked, want %d", blocked.Load(), want)
			}
			if tt.wantType == crawler.ErrBlocked && !errors.Is(why, netguard.ErrBlocked) {
				t.Errorf("refusal %v does not wrap netguard.ErrBlocked", why)
			}
		})
	}
	t.Cleanup(func() {
		if n := c.conns.Load(); n != 0 {
			t.Errorf("the canary saw %d connections, want 0", n)
		}
	})
}

// TestProxyCloseCutsTunnels: close ends open tunnels and waits for them.
func TestProxyCloseCutsTunnels(t *testing.T) {
	t.Parallel()
	p, _ := startTestProxy(t)
	held := make(chan net.Conn, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		if conn, err := ln.Accept(); err == nil {
			held <- conn // never answers, never closes
		}
	}()
	conn, err := net.Dial("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n%s\r\n", ln.Addr(), authHeader(p))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		t.Fatalf("CONNECT answered %q, %v", status, err)
	}
	upstream := <-held
	defer upstream.Close()
	p.p.close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after close: %v, want the tunnel cut", err)
	}
}

func TestProxyNeedsAbsoluteURL(t *testing.T) {
	t.Parallel()
	p, _ := startTestProxy(t)
	req, err := http.NewRequest(http.MethodGet, "http://"+p.addr()+"/relative", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Proxy-Authorization", basicAuth(sessionUser, p.secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
}

// TestInterceptVerifiesTargets: inside an intercepted tunnel the proxy
// checks the target's certificate for Chromium; one it cannot verify ends
// the request as a tls failure, and the target sees no request.
func TestInterceptVerifiesTargets(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "secure")
	}))
	t.Cleanup(secure.Close)
	s, _ := startTestSession(t, proxyConfig{targetRoots: x509.NewCertPool()}, nil, nil)
	resp, err := proxyClient(t, s).Get(secure.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get(proxyErrorHeader) != string(crawler.ErrTLS) {
		t.Errorf("status %d, %s %q; want 502, %q", resp.StatusCode, proxyErrorHeader, resp.Header.Get(proxyErrorHeader), crawler.ErrTLS)
	}
	u, _ := url.Parse(secure.URL)
	if why := s.refusal(authority(u)); crawler.TypeOf(why) != crawler.ErrTLS {
		t.Errorf("refusal %v, want type tls", why)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target served %d requests, want none", n)
	}
}
