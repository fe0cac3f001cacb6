package browser

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/fetch"
)

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// authHeader is the header line that opens session s to a raw client.
func authHeader(s *session) string {
	return "Proxy-Authorization: " + basicAuth(sessionUser, s.secret) + "\r\n"
}

// rawProxyRequest sends one request to a session's port as any local
// process could, with auth as its Proxy-Authorization ("": none), and
// returns the status and Proxy-Authenticate of the answer.
func rawProxyRequest(t testing.TB, addr, method, target, auth string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	host := strings.TrimPrefix(target, "http://")
	host, _, _ = strings.Cut(host, "/")
	header := ""
	if auth != "" {
		header = "Proxy-Authorization: " + auth + "\r\n"
	}
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", method, target, host, header)
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Proxy-Authenticate")
}

// countingListener counts the connections that reach it, and hangs up.
func countingListener(t testing.TB) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String(), &n
}

// badCredentials are what a local process that does not hold the
// session's secret can send.
func badCredentials(other string) []struct{ name, auth string } {
	return []struct{ name, auth string }{
		{"no credentials", ""},
		{"wrong password", basicAuth(sessionUser, strings.Repeat("0", 32))},
		{"empty password", basicAuth(sessionUser, "")},
		{"another session's secret", basicAuth(sessionUser, other)},
		{"not Basic", "Bearer " + other},
		{"not base64", "Basic !!!"},
	}
}

// TestSessionAuth: a session's port answers only a client that presents
// its secret; any other request or CONNECT gets the 407 challenge, and
// neither the upstream proxy nor the target sees a byte of it, nor does
// the session count it as the job's refusal.
func TestSessionAuth(t *testing.T) {
	t.Parallel()
	up := newUpstreamProxy(t, "crawler", "s3cret")
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(target.Close)
	tunnelTo, tunnels := countingListener(t)
	s, _ := startTestSession(t, proxyConfig{}, viaProxy(up.url("crawler", "s3cret")), nil)
	other, err := s.p.newSession(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range badCredentials(other.secret) {
		for _, m := range []struct{ method, target string }{{http.MethodGet, target.URL + "/"}, {http.MethodConnect, tunnelTo}} {
			t.Run(c.name+"/"+m.method, func(t *testing.T) {
				code, challenge := rawProxyRequest(t, s.addr(), m.method, m.target, c.auth)
				if code != http.StatusProxyAuthRequired || !strings.HasPrefix(challenge, "Basic ") {
					t.Errorf("status %d, Proxy-Authenticate %q; want 407 and a Basic challenge", code, challenge)
				}
			})
		}
	}
	up.mu.Lock()
	denied := up.denied
	up.mu.Unlock()
	if seen := up.requests(); len(seen) != 0 || denied != 0 {
		t.Errorf("the upstream proxy saw %q and denied %d, want nothing", seen, denied)
	}
	if hits.Load() != 0 || tunnels.Load() != 0 {
		t.Errorf("the targets saw %d requests and %d connections, want none", hits.Load(), tunnels.Load())
	}
	if why := s.refusal(strings.TrimPrefix(target.URL, "http://")); why != nil {
		t.Errorf("refusal %v recorded for a request that was not the job's", why)
	}
	// The same requests with the secret do go through.
	if code, _ := rawProxyRequest(t, s.addr(), http.MethodGet, target.URL+"/", basicAuth(sessionUser, s.secret)); code != http.StatusOK {
		t.Errorf("GET with the secret: status %d, want 200", code)
	}
	if code, _ := rawProxyRequest(t, s.addr(), http.MethodConnect, tunnelTo, basicAuth(sessionUser, s.secret)); code != http.StatusOK {
		t.Errorf("CONNECT with the secret: status %d, want 200", code)
	}
	// The tunnel reaches the upstream once the client speaks in it; this
	// one hung up at once, so only the GET did.
	if got := len(up.requests()); got != 1 {
		t.Errorf("the upstream proxy served %d requests, want 1", got)
	}
}

// TestBrowserSessionAuth: while a job runs through its upstream proxy,
// another local process connecting to the job's session port is refused
// with 407 and reaches neither the upstream nor any target, while the
// job's own browser context authenticates and finishes; its credentials
// go to no target.
func TestBrowserSessionAuth(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	var probes, leaked atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != "" || r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		switch r.URL.Path {
		case "/probe":
			probes.Add(1)
		case "/hold":
			// The job's page is loading: its session is live.
			close(arrived)
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><title>Held</title><ol><li class="r">target</li></ol>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	tunnelTo, tunnels := countingListener(t)
	up := newUpstreamProxy(t, "crawler", "s3cret")
	f, _ := newTestFetcher(t, Config{})

	type result struct {
		page *fetch.Page
		err  error
	}
	done := make(chan result, 1)
	go func() {
		req := request(site.URL+"/hold", "li.r")
		req.Proxy = viaProxy(up.url("crawler", "s3cret"))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		page, err := f.Fetch(ctx, req)
		done <- result{page, err}
	}()
	select {
	case <-arrived:
	case r := <-done:
		t.Fatalf("the job ended before its page was held: %v", r.err)
	case <-time.After(20 * time.Second):
		t.Fatal("the job's page never reached the site")
	}
	inst := current(t, f)
	inst.proxy.mu.Lock()
	var live *session
	for s := range inst.proxy.sessions {
		live = s
	}
	n := len(inst.proxy.sessions)
	inst.proxy.mu.Unlock()
	if n != 1 {
		close(release)
		t.Fatalf("%d sessions live, want the job's one", n)
	}
	other, err := inst.proxy.newSession(nil, nil)
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer other.close()
	up.mu.Lock()
	deniedBefore := up.denied
	up.mu.Unlock()
	before := len(up.requests())
	for _, c := range badCredentials(other.secret) {
		for _, m := range []struct{ method, target string }{{http.MethodGet, site.URL + "/probe"}, {http.MethodConnect, tunnelTo}} {
			if code, _ := rawProxyRequest(t, live.addr(), m.method, m.target, c.auth); code != http.StatusProxyAuthRequired {
				t.Errorf("%s, %s %s: status %d, want 407", c.name, m.method, m.target, code)
			}
		}
	}
	seen := up.requests()[before:]
	up.mu.Lock()
	denied := up.denied - deniedBefore
	up.mu.Unlock()
	if len(seen) != 0 || denied != 0 {
		t.Errorf("the upstream proxy saw %q and denied %d of the probes, want nothing", seen, denied)
	}
	if probes.Load() != 0 || tunnels.Load() != 0 {
		t.Errorf("the targets saw %d probes and %d connections, want none", probes.Load(), tunnels.Load())
	}
	close(release)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got := rankPage(t, r.page, "target"); got.rank != 1 {
		t.Errorf("rank %d, want 1", got.rank)
	}
	if !strings.Contains(strings.Join(up.requests(), "\n"), "GET "+site.URL+"/hold") {
		t.Errorf("the upstream proxy served %q, want the job's page among them", up.requests())
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("%d requests reached the site with credentials", n)
	}
}

// TestTargetChallengeGetsNoCredentials: a page whose frame, script and
// navigation meet a target's Basic challenge (401), over http and https,
// never sends the target the session's credentials: the proxy keeps the
// challenge from Chromium, so the context has nothing to answer.
func TestTargetChallengeGetsNoCredentials(t *testing.T) {
	t.Parallel()
	var leaked, challenged atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get("Proxy-Authorization") != "" {
			leaked.Add(1)
		}
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><title>Start</title><ol><li class="r">target</li></ol>
<iframe src="/protected"></iframe><script>fetch('/protected').catch(() => {})</script>`)
		case "/protected":
			challenged.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="site"`)
			http.Error(w, "who are you", http.StatusUnauthorized)
		default:
			http.NotFound(w, r)
		}
	})
	plain, secure := httptest.NewServer(h), httptest.NewTLSServer(h)
	t.Cleanup(plain.Close)
	t.Cleanup(secure.Close)
	f, _ := newTestFetcher(t, Config{targetRoots: testRoots(t)})
	for _, site := range []string{plain.URL, secure.URL} {
		for _, path := range []string{"/", "/protected"} {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, err := f.Fetch(ctx, request(site+path, "li.r"))
			cancel()
			if path == "/" && err != nil {
				t.Errorf("%s%s: %v", site, path, err)
			}
		}
	}
	if challenged.Load() == 0 {
		t.Fatal("no request met the challenge")
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("%d of %d requests after a challenge carried credentials", n, challenged.Load())
	}
}
