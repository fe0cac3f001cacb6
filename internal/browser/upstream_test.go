package browser

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/porttest"
)

// upstreamProxy is a forward proxy for tests, the kind CRAWL_PROXIES
// names: it forwards absolute-URL requests, tunnels CONNECT, requires
// Basic credentials, and records what it served.
type upstreamProxy struct {
	srv  *httptest.Server
	auth string // the Proxy-Authorization it wants

	mu      sync.Mutex
	seen    []string // "GET http://host/path", "CONNECT host:port"
	denied  int      // requests without the credentials
	tunnels sync.WaitGroup
	conns   map[net.Conn]struct{}
}

func newUpstreamProxy(t testing.TB, user, pass string) *upstreamProxy {
	t.Helper()
	u := &upstreamProxy{auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)), conns: make(map[net.Conn]struct{})}
	u.srv = httptest.NewServer(u)
	t.Cleanup(func() {
		u.srv.Close()
		u.mu.Lock()
		for c := range u.conns {
			c.Close()
		}
		u.mu.Unlock()
		u.tunnels.Wait()
	})
	return u
}

// url is the proxy's URL with the given credentials, as CRAWL_PROXIES
// would hold it.
func (u *upstreamProxy) url(user, pass string) *url.URL {
	p, _ := url.Parse(u.srv.URL)
	p.User = url.UserPassword(user, pass)
	return p
}

func (u *upstreamProxy) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.seen...)
}

func (u *upstreamProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	if r.Header.Get("Proxy-Authorization") != u.auth {
		u.denied++
		u.mu.Unlock()
		w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
		http.Error(w, "credentials, please", http.StatusProxyAuthRequired)
		return
	}
	target := r.URL.String()
	if r.Method == http.MethodConnect {
		target = r.Host
	}
	u.seen = append(u.seen, r.Method+" "+target)
	u.mu.Unlock()
	if r.Method == http.MethodConnect {
		u.tunnel(w, r)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Authorization")
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (u *upstreamProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	target, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		target.Close()
		return
	}
	u.mu.Lock()
	u.conns[client], u.conns[target] = struct{}{}, struct{}{}
	u.tunnels.Add(1)
	u.mu.Unlock()
	defer func() {
		client.Close()
		target.Close()
		u.mu.Lock()
		delete(u.conns, client)
		delete(u.conns, target)
		u.mu.Unlock()
		u.tunnels.Done()
	}()
	_, _ = io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(target, client); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, target); done <- struct{}{} }()
	<-done
}

// sink listens on 127.0.0.1, which the test policy allows, and hangs up
// on whoever connects.
func sink(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func viaProxy(p *url.URL) fetch.ProxyFunc {
	return func(*url.URL) (*url.URL, error) { return p, nil }
}

// TestSessionUpstream: a session chained to an upstream proxy sends plain
// requests and tunnels through it with its credentials, checks the target
// against the policy before anything leaves, and reports the proxy's
// refusals and failures as type proxy without its credentials.
func TestSessionUpstream(t *testing.T) {
	t.Parallel()
	up := newUpstreamProxy(t, "crawler", "s3cret")
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != "" {
			http.Error(w, "credentials leaked to the target", http.StatusTeapot)
			return
		}
		fmt.Fprint(w, "hello ", r.URL.Path)
	}))
	t.Cleanup(target.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secure") }))
	t.Cleanup(secure.Close)
	c := newCanary(t)
	tests := []struct {
		name     string
		proxy    *url.URL
		url      string
		wantBody string
		wantType crawler.ErrorType // of the refusal; "": success
		wantSeen string            // what the upstream must have served; "": nothing
	}{
		{name: "forward", proxy: up.url("crawler", "s3cret"), url: target.URL + "/x", wantBody: "hello /x",
			wantSeen: "GET " + target.URL + "/x"},
		{name: "tunnel", proxy: up.url("crawler", "s3cret"), url: secure.URL + "/", wantBody: "secure",
			wantSeen: "CONNECT " + strings.TrimPrefix(secure.URL, "https://")},
		{name: "forward, wrong credentials", proxy: up.url("crawler", "wrong"), url: target.URL + "/", wantType: crawler.ErrProxy},
		{name: "tunnel, wrong credentials", proxy: up.url("crawler", "wrong"), url: secure.URL + "/", wantType: crawler.ErrProxy},
		{name: "forward, proxy down", proxy: &url.URL{Scheme: "http", Host: porttest.Refused(t), User: url.UserPassword("crawler", "s3cret")},
			url: target.URL + "/", wantType: crawler.ErrProxy},
		{name: "tunnel, proxy down", proxy: &url.URL{Scheme: "http", Host: porttest.Refused(t), User: url.UserPassword("crawler", "s3cret")},
			url: secure.URL + "/", wantType: crawler.ErrProxy},
		{name: "forward to a refused address", proxy: up.url("crawler", "s3cret"), url: c.url() + "/", wantType: crawler.ErrBlocked},
		{name: "tunnel to the metadata address", proxy: up.url("crawler", "s3cret"), url: "https://169.254.169.254/", wantType: crawler.ErrBlocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the upstream's record is shared.
			before := len(up.requests())
			s, _ := startTestSession(t, proxyConfig{}, viaProxy(tt.proxy), nil)
			resp, err := proxyClient(t, s).Get(tt.url)
			var body []byte
			if err == nil {
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			u, _ := url.Parse(tt.url)
			why := s.refusal(authority(u))
			if tt.wantType == "" {
				if err != nil || resp.StatusCode != 200 || string(body) != tt.wantBody || why != nil {
					t.Fatalf("got %v, %q, refusal %v; want 200 %q", err, body, why, tt.wantBody)
				}
			} else {
				if got := crawler.TypeOf(why); why == nil || got != tt.wantType {
					t.Fatalf("refusal %v (type %s), want type %s", why, got, tt.wantType)
				}
				if strings.Contains(why.Error(), "s3cret") || strings.Contains(why.Error(), "wrong") ||
					strings.Contains(crawler.Details(why), "s3cret") || strings.Contains(crawler.Details(why), "wrong") {
					t.Errorf("refusal %q (detail %q) quotes the proxy's credentials", why, crawler.Details(why))
				}
			}
			seen := up.requests()[before:]
			if want := tt.wantSeen; (want == "" && len(seen) != 0) || (want != "" && (len(seen) != 1 || seen[0] != want)) {
				t.Errorf("upstream served %q, want %q", seen, want)
			}
		})
	}
	if n := c.conns.Load(); n != 0 {
		t.Errorf("the canary saw %d connections, want 0", n)
	}
}

// TestBrowserThroughProxy: every request of a job's page, the document,
// its fetch() and its WebSocket, leaves through the job's proxy with its
// credentials; a redirect hop to a refused address is refused before it
// reaches the proxy; and a proxy that refuses the credentials, or is down,
// fails the job as type proxy.
func TestBrowserThroughProxy(t *testing.T) {
	t.Parallel()
	refused := newCanary(t)
	// A WebSocket's upgrade request is what the test looks for; the
	// socket itself may fail.
	wsAddr := sink(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprint(w, `"target"`)
	}))
	t.Cleanup(api.Close)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/redirect-out":
			http.Redirect(w, r, refused.url()+"/", http.StatusFound)
		default:
			fmt.Fprintf(w, `<!doctype html><title>Proxied</title><ol id="list"></ol><script>
				try { new WebSocket("ws://%s/ws"); } catch (e) {}
				fetch("%s/items").then(r => r.json()).then(m => {
					document.getElementById("list").innerHTML = '<li class="r">' + m + '</li>'; });</script>`,
				wsAddr, api.URL)
		}
	}))
	t.Cleanup(site.Close)
	up := newUpstreamProxy(t, "crawler", "s3cret")
	f, _ := newTestFetcher(t, Config{})
	fetchVia := func(p *url.URL, raw string) (*fetch.Page, error) {
		req := request(raw, "li.r")
		req.Proxy = viaProxy(p)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return f.Fetch(ctx, req)
	}
	t.Run("through the proxy", func(t *testing.T) {
		page, err := fetchVia(up.url("crawler", "s3cret"), site.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		if r := rankPage(t, page, "target"); r.rank != 1 {
			t.Errorf("rank %d, want 1: the page's fetch() went through", r.rank)
		}
		seen := strings.Join(up.requests(), "\n")
		// The ws:// WebSocket's tunnel is intercepted: its upgrade leaves
		// as a request, counted like any other.
		for _, want := range []string{"GET " + site.URL + "/", "GET " + api.URL + "/items", "GET http://" + wsAddr + "/ws"} {
			if !strings.Contains(seen, want) {
				t.Errorf("the proxy served:\n%s\nwant %q among them", seen, want)
			}
		}
	})
	t.Run("redirect hop to a refused address", func(t *testing.T) {
		_, err := fetchVia(up.url("crawler", "s3cret"), site.URL+"/redirect-out")
		if crawler.TypeOf(err) != crawler.ErrBlocked || !errors.Is(err, netguard.ErrBlocked) {
			t.Fatalf("error %v, want blocked", err)
		}
		if seen := strings.Join(up.requests(), "\n"); strings.Contains(seen, refused.ln.Addr().String()) {
			t.Errorf("the proxy was asked for the refused address:\n%s", seen)
		}
	})
	for _, tt := range []struct {
		name  string
		proxy *url.URL
		url   string
	}{
		{"wrong credentials", up.url("crawler", "wrong"), site.URL + "/"},
		{"wrong credentials, https", up.url("crawler", "wrong"), strings.Replace(site.URL, "http:", "https:", 1) + "/"},
		{"proxy down", &url.URL{Scheme: "http", Host: porttest.Refused(t)}, site.URL + "/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fetchVia(tt.proxy, tt.url)
			if crawler.TypeOf(err) != crawler.ErrProxy || !crawler.ErrProxy.Retryable() {
				t.Fatalf("error %v (type %s), want type proxy", err, crawler.TypeOf(err))
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("error %q quotes the proxy's credentials", err)
			}
		})
	}
	if n := refused.conns.Load(); n != 0 {
		t.Errorf("the refused address saw %d connections, want 0", n)
	}
}
