package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
)

// session is one job's share of the guard proxy. Its own listener is the
// job's browser context's proxy address, so every connection on it is the
// job's: that is how the proxy knows whose byte budget a response spends,
// which upstream proxy a request leaves through, and whom a refusal
// concerns, for HTTP and for CONNECT tunnels alike. Only the context
// knows the session's secret (auth.go), so no other local process can
// use the port. A session lives as long as the job's page.
type session struct {
	p        *guardProxy
	ln       net.Listener
	secret   string // the password the job's context answers the 407 with; never logged
	srv      *http.Server
	ctx      context.Context // ends the session's requests at close
	cancel   context.CancelFunc
	upstream func(*url.URL) (*url.URL, error) // the job's proxy rule; nil: direct
	onOver   func(error)                      // ends the job when it goes over budget

	// used is what the session let through to Chromium: decoded bytes of
	// plain-HTTP responses, raw bytes of tunnels.
	used atomic.Int64
	over atomic.Pointer[error]

	mu       sync.Mutex
	refusals map[string]error // by host:port: Chromium reports a refused CONNECT without detail
	docs     map[string]error // by URL: documents refused, for where the main frame ended
	tunnels  map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup // the server, handlers and tunnels

	// https serves the requests inside the tunnels the session
	// intercepts (intercept.go); httpsLn hands it their connections.
	https   *http.Server
	httpsLn *connListener
}

// newSession starts a job's session. upstream is the job's proxy rule (nil:
// direct); onOver is called once, from a proxy goroutine, when the job
// goes over its byte budget.
func (p *guardProxy) newSession(upstream func(*url.URL) (*url.URL, error), onOver func(error)) (*session, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser: proxy session listen: %w", err)
	}
	s := &session{p: p, ln: ln, secret: newSecret(), upstream: upstream, onOver: onOver,
		refusals: make(map[string]error), docs: make(map[string]error), tunnels: make(map[net.Conn]struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.https, s.httpsLn = s.newInterceptServer(p.cert), newConnListener(ln.Addr())
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quietLog,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		ln.Close()
		s.cancel()
		return nil, fmt.Errorf("browser: proxy session: %w", ErrClosed)
	}
	p.sessions[s] = struct{}{}
	p.mu.Unlock()
	s.wg.Go(func() { _ = s.srv.Serve(ln) })          // ends with ErrServerClosed at close
	s.wg.Go(func() { _ = s.https.Serve(s.httpsLn) }) // likewise
	return s, nil
}

// addr is the host:port the job's browser context is told to use.
func (s *session) addr() string { return s.ln.Addr().String() }

func (s *session) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		challenge(w)
		return
	}
	// The credentials are ours: neither an upstream nor a target sees them.
	r.Header.Del("Proxy-Authorization")
	if !s.enter() {
		http.Error(w, "proxy: session closed", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	if r.Method == http.MethodConnect {
		s.tunnel(w, r)
		return
	}
	s.forward(w, r)
}

// forward sends r, a request for an absolute URL, to its target: through
// the job's upstream proxy or directly, its response metered.
func (s *session) forward(w http.ResponseWriter, r *http.Request) {
	if !r.URL.IsAbs() {
		http.Error(w, "proxy: absolute URL required", http.StatusBadRequest)
		return
	}
	rs := &reqState{s: s, doc: isDocument(r), host: r.URL.Hostname()}
	ctx := httptrace.WithClientTrace(context.WithValue(r.Context(), reqStateKey{}, rs), s.informational())
	r = r.WithContext(ctx)
	up, err := s.chooseUpstream(r.Context(), r.URL)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	if up == nil {
		s.p.direct.ServeHTTP(w, r)
		return
	}
	rs.upstream = up
	s.p.chained.ServeHTTP(w, r)
}

// maxInformational bounds the 1xx responses a target may send before its
// answer: net/http takes any number, and each may carry a large header.
const maxInformational = 5

// informational counts a request's 1xx responses against the page budget
// (the proxy passes them on to Chromium) and refuses past
// maxInformational.
func (s *session) informational() *httptrace.ClientTrace {
	n := 0
	return &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		if n++; n > maxInformational {
			return crawler.Errorf(crawler.ErrTooLarge, "browser: proxy: more than %d informational (1xx) responses", maxInformational)
		}
		return s.spend(headerBytes(http.Header(h)))
	}}
}

// enter counts a handler in, unless the session is closing.
func (s *session) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// chooseUpstream is the job's upstream proxy for target, or nil for a
// direct connection. A proxied target is resolved and checked here, since
// the dial then reaches only the proxy: the one gap is a proxy that
// resolves the name differently, as with the HTTP fetcher.
func (s *session) chooseUpstream(ctx context.Context, target *url.URL) (*url.URL, error) {
	if s.upstream == nil {
		return nil, nil
	}
	up, err := s.upstream(target)
	if err != nil {
		return nil, &crawler.FetchError{Type: crawler.ErrProxy, Detail: crawler.RedactText(err.Error()),
			Err: crawler.Public("browser: choose a proxy: "+crawler.RedactText(err.Error()), err)}
	}
	if up == nil {
		return nil, nil
	}
	if err := s.p.checkHost(ctx, target.Hostname()); err != nil {
		return nil, err
	}
	return up, nil
}

// reqState is one forwarded request, in its context: the proxy's
// response hooks are shared by every session.
type reqState struct {
	s        *session
	upstream *url.URL // nil: direct
	doc      bool     // a navigation: the document cap applies
	host     string
}

type reqStateKey struct{}

func reqStateFrom(ctx context.Context) *reqState {
	rs, _ := ctx.Value(reqStateKey{}).(*reqState)
	return rs
}

// classify turns a transport error into a typed one: through an upstream
// proxy, the proxy failed (a target it cannot reach is its status code).
func (rs *reqState) classify(err error) error {
	if over := rs.s.overErr(); over != nil {
		return over
	}
	var be *netguard.BlockedError
	if errors.As(err, &be) {
		return dialError(rs.host, err) // the dialer's Control hook refused it
	}
	var fe *crawler.FetchError
	if errors.As(err, &fe) {
		return err
	}
	if rs.upstream != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return proxyError(rs.upstream, err)
	}
	return dialError(rs.host, err)
}

// isDocument: Chromium marks navigations, the main frame's and iframes',
// with Sec-Fetch-Mode: navigate where it sends fetch metadata (to
// trustworthy origins) and with Upgrade-Insecure-Requests everywhere. A
// script may add the latter to a fetch, which only subjects that fetch to
// the tighter cap.
func isDocument(r *http.Request) bool {
	if m := r.Header.Get("Sec-Fetch-Mode"); m != "" {
		return m == "navigate"
	}
	return r.Header.Get("Upgrade-Insecure-Requests") == "1"
}

// refuse answers a request the proxy would not or could not forward, with
// the failure's type in proxyErrorHeader, and remembers why for the job.
func (s *session) refuse(w http.ResponseWriter, r *http.Request, err error) {
	t := crawler.TypeOf(err)
	if t == crawler.ErrBlocked {
		s.p.onBlocked()
	}
	key := r.Host // CONNECT's authority
	if r.Method != http.MethodConnect {
		key = authority(r.URL)
	}
	s.remember(key, err)
	if rs := reqStateFrom(r.Context()); rs != nil && rs.doc {
		s.mu.Lock()
		if len(s.docs) < maxRefusals {
			s.docs[withoutFragment(r.URL)] = err
		}
		s.mu.Unlock()
	}
	w.Header().Set(proxyErrorHeader, string(t))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	code := http.StatusBadGateway
	if t == crawler.ErrBlocked {
		code = http.StatusForbidden
	}
	w.WriteHeader(code)
	_, _ = io.WriteString(w, err.Error())
}

// remember keeps why the session refused hostport, for the job.
func (s *session) remember(hostport string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refusals) < maxRefusals {
		s.refusals[hostport] = err
	}
}

// maxRefusals bounds what a session remembers: a page that makes
// thousands of refused requests needs only the first few explained.
const maxRefusals = 256

// refusal returns why the session refused hostport, or nil.
func (s *session) refusal(hostport string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusals[hostport]
}

// docRefusal returns why the session refused the document at u, or nil.
func (s *session) docRefusal(u *url.URL) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[withoutFragment(u)]
}

func withoutFragment(u *url.URL) string {
	v := *u
	v.Fragment, v.RawFragment = "", ""
	return v.String()
}

// exceed ends the job as over budget, once, and returns the error it ends
// with.
func (s *session) exceed(err error) error {
	if s.halt(err) && s.onOver != nil {
		s.onOver(err)
	}
	return s.overErr()
}

// halt stops the session passing anything more to Chromium, once: its
// bodies fail their next read and its tunnels are cut now, since the
// page's own count (watch.go) may find a tunnel's content over budget
// while the tunnel is still within it.
func (s *session) halt(err error) bool {
	if !s.over.CompareAndSwap(nil, &err) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.tunnels {
		c.Close()
	}
	return true
}

// overErr is why the session went over budget, or nil.
func (s *session) overErr() error {
	if e := s.over.Load(); e != nil {
		return *e
	}
	return nil
}

// spend counts n bytes let through to Chromium against the page budget.
func (s *session) spend(n int) error {
	if s.used.Add(int64(n)) > s.p.maxPage {
		return s.exceed(crawler.Errorf(crawler.ErrTooLarge, "browser: the page loaded more than %d bytes: %w", s.p.maxPage, ErrOverBudget))
	}
	return nil
}

// close ends the session: its listener, its requests in flight and its
// tunnels. It waits for their goroutines; calling it twice is safe.
func (s *session) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for c := range s.tunnels {
		c.Close()
	}
	s.mu.Unlock()
	s.cancel()
	_ = s.srv.Close()
	_ = s.https.Close()
	s.wg.Wait()
	s.p.mu.Lock()
	delete(s.p.sessions, s)
	s.p.mu.Unlock()
}
