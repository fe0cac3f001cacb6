//go:build unix

package api_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/internal/schedule"
)

// serve runs the API as the binary does, through api.NewServer, on a
// loopback port, and returns its address.
func serve(t *testing.T, cfg api.ServerConfig, edit ...func(*api.Deps)) string {
	t.Helper()
	rdb := redistest.Start(t).Client()
	mp := sdkmetric.NewMeterProvider()
	log := slog.New(slog.DiscardHandler)
	deps := api.Deps{
		Jobs: queue.New(rdb, queue.Config{}), Schedules: schedule.NewStore(rdb, ""), MeterProvider: mp, Logger: log,
	}
	for _, f := range edit {
		f(&deps)
	}
	h := api.New(api.Config{Token: token}, deps)
	srv := api.NewServer(h, cfg, log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
		_ = mp.Shutdown(context.Background())
	})
	return ln.Addr().String()
}

// stalled is a client connection that sent part of a request (or all of
// one and went quiet) and reads whatever comes until the server closes it.
type stalled struct {
	kind        string
	opened      time.Time
	firstAnswer time.Duration // from opened; 0: none
	status      string        // the answer's status line
	header      string        // the answer's headers
	closed      time.Duration // from opened; 0: not within the test's patience
}

// The kinds of stalled clients, in the order they are opened, and what
// each sends. A silent client sends nothing; "idle" is a kept-alive
// connection after one answered request.
var stallKinds = []struct{ kind, send string }{
	{"silent", ""},
	{"partial headers", "GET /v1/queue HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer "},
	{"idle", "GET /healthz HTTP/1.1\r\nHost: api\r\n\r\n"},
	{"authenticated, no body", "POST /v1/jobs HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"},
	{"unauthenticated, no body", "POST /v1/jobs HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"},
}

func openStalled(t *testing.T, addr, kind, send string, patience time.Duration, wg *sync.WaitGroup) *stalled {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	s := &stalled{kind: kind, opened: time.Now()}
	if send != "" {
		if _, err := io.WriteString(c, send); err != nil {
			t.Fatalf("%s: write: %v", kind, err)
		}
	}
	wg.Go(func() {
		defer c.Close()
		_ = c.SetReadDeadline(s.opened.Add(patience))
		br := bufio.NewReader(c)
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			if s.firstAnswer == 0 && line != "" {
				s.firstAnswer = time.Since(s.opened)
				s.status = strings.TrimSpace(line)
			}
			if head.Len() < 4096 {
				head.WriteString(line)
			}
			if err != nil {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					s.closed = time.Since(s.opened) // EOF or reset: the server closed it
				}
				s.header = head.String()
				return
			}
		}
	})
	return s
}

// probe GETs path on a connection of its own and returns the status and
// how long the answer took.
func probe(addr, path, auth string) (int, time.Duration, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// stallMeter measures how late a 10 ms ticker in this process fires: how
// long the process, or its scheduler, did not run.
type stallMeter struct{ max atomic.Int64 }

func watchStalls(t *testing.T) *stallMeter {
	m := &stallMeter{}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		const every = 10 * time.Millisecond
		tick := time.NewTicker(every)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				if late := int64(now.Sub(last) - every); late > m.max.Load() {
					m.max.Store(late)
				}
				last = now
			}
		}
	}()
	t.Cleanup(func() { close(done); <-stopped })
	return m
}

func (m *stallMeter) worst() time.Duration { return time.Duration(m.max.Load()) }

// fdsFor makes room for n loopback connections (two descriptors each, as
// both ends are in this process) and returns how many fit.
func fdsFor(t *testing.T, n int) int {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	const spare = 256 // redis, probes, the test binary's own
	need := uint64(2*n + spare)
	if lim.Cur < need {
		lim.Cur = min(need, lim.Max)
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < need {
		fit := int((lim.Cur - spare) / 2)
		t.Logf("RLIMIT_NOFILE %d fits %d stalled connections, not %d", lim.Cur, fit, n)
		return fit
	}
	return n
}

// TestStalledConnections: 1,000 connections stalled in every way a client
// can stall cost neither /healthz nor an authenticated GET /v1/queue more
// than a second; an unauthenticated POST is answered 401 without its body;
// every stalled connection is closed by its deadline. Within the bound the
// deadlines close them; over it (1,000 against 500) the longest waiting
// make room for new ones. It runs alone (not parallel): its figures are
// times.
func TestStalledConnections(t *testing.T) {
	n := fdsFor(t, 1000)
	for _, tt := range []struct {
		name  string
		bound int
	}{
		{"within the bound", n + 100},
		{"over the bound", n / 2},
	} {
		t.Run(tt.name, func(t *testing.T) { testStalled(t, n, tt.bound) })
	}
}

func testStalled(t *testing.T, n, bound int) {
	cfg := api.ServerConfig{
		ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Second, MaxHeaderBytes: 4 << 10, MaxConnections: bound,
	}
	addr := serve(t, cfg)
	stalls := watchStalls(t)
	// Each kind's deadline, by which the server must have closed it, as
	// measured from the client's side.
	deadline := map[string]time.Duration{
		"silent":                   cfg.ReadHeaderTimeout,
		"partial headers":          cfg.ReadHeaderTimeout,
		"idle":                     cfg.IdleTimeout,
		"authenticated, no body":   cfg.ReadTimeout,
		"unauthenticated, no body": time.Second, // the grace after the 401
	}
	// Two shared cores, a thousand goroutines; and whatever time this
	// process was not run at all, which no server can make up for.
	slack := func() time.Duration { return time.Second + stalls.worst() }
	patience := cfg.ReadTimeout + 7*time.Second

	var wg sync.WaitGroup
	start := time.Now()
	var all []*stalled
	for _, k := range stallKinds {
		for range n / len(stallKinds) {
			all = append(all, openStalled(t, addr, k.kind, k.send, patience, &wg))
		}
	}
	t.Logf("opened %d stalled connections in %s (bound %d)", len(all), time.Since(start).Round(time.Millisecond), bound)

	// Probe while they are all held: at once, then while the longest
	// (authenticated bodies) still are.
	var slowest time.Duration
	for round := range 3 {
		for _, p := range []struct{ path, auth string }{{"/healthz", ""}, {"/v1/queue", "Bearer " + token}} {
			before := stalls.worst()
			code, took, err := probe(addr, p.path, p.auth)
			slowest = max(slowest, took)
			if err != nil || code != http.StatusOK || took > time.Second+stalls.worst()-before {
				t.Errorf("round %d: GET %s = %d, %v after %s; want 200 within 1s", round, p.path, code, err, took)
			}
		}
		time.Sleep(800 * time.Millisecond)
	}
	t.Logf("slowest probe answer: %s", slowest.Round(time.Millisecond))

	wg.Wait()
	if stalls.worst() > 200*time.Millisecond {
		t.Logf("this process was not run for up to %s at a time: the deadlines allow that much more", stalls.worst())
	}
	type worst struct {
		answer, closed time.Duration
		n, open, early int
	}
	byKind := map[string]*worst{}
	for _, s := range all {
		w := byKind[s.kind]
		if w == nil {
			w = &worst{}
			byKind[s.kind] = w
		}
		w.n++
		w.answer = max(w.answer, s.firstAnswer)
		w.closed = max(w.closed, s.closed)
		if s.closed == 0 {
			w.open++
			continue
		}
		if s.closed < deadline[s.kind]/2 {
			w.early++
		}
		if s.closed > deadline[s.kind]+slack() {
			t.Errorf("%s: closed after %s, deadline %s", s.kind, s.closed, deadline[s.kind])
		}
		if s.status == "" && bound < n && s.closed < deadline[s.kind] {
			continue // closed before the server read its request, to make room
		}
		switch s.kind {
		case "unauthenticated, no body":
			if !strings.HasPrefix(s.status, "HTTP/1.1 401") || s.firstAnswer > slack() || !strings.Contains(s.header, "Connection: close") {
				t.Errorf("%s: %q after %s, headers %q; want a 401 with Connection: close within 1s", s.kind, s.status, s.firstAnswer, s.header)
			}
		case "authenticated, no body":
			if !strings.HasPrefix(s.status, "HTTP/1.1 408") {
				t.Errorf("%s: %q, want 408 when the body did not come", s.kind, s.status)
			}
		}
	}
	for _, k := range stallKinds {
		w := byKind[k.kind]
		t.Logf("%-25s %4d: slowest answer %6s, last closed after %6s (deadline %s), %3d closed early to make room",
			k.kind, w.n, w.answer.Round(time.Millisecond), w.closed.Round(time.Millisecond), deadline[k.kind], w.early)
		if w.open > 0 {
			t.Errorf("%s: %d connections still open after %s", k.kind, w.open, patience)
		}
		if bound > n && w.early > 0 && k.kind != "unauthenticated, no body" {
			t.Errorf("%s: %d closed early, within the bound", k.kind, w.early)
		}
	}
}

// TestServerLimits: what the server answers at each of its limits.
func TestServerLimits(t *testing.T) {
	t.Parallel()
	cfg := api.ServerConfig{
		ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 3 * time.Second,
		IdleTimeout: time.Second, MaxHeaderBytes: 4 << 10, MaxConnections: 20,
	}
	addr := serve(t, cfg)
	job := `{"url":"https://example.com/"}`
	post := func(auth, body string, length int) string {
		if auth != "" {
			auth = "Authorization: " + auth + "\r\n"
		}
		return "POST /v1/jobs HTTP/1.1\r\nHost: api\r\n" + auth + "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(length) + "\r\n\r\n" + body
	}
	tests := []struct {
		name, send string
		status     string
		keepAlive  bool          // a second request on the connection is answered
		answerBy   time.Duration // 0: within a second
		closedBy   time.Duration // 0: kept open (keepAlive) until the idle timeout
	}{
		// net/http waits 500 ms after a 431 before it closes, so the answer is not lost to a reset.
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: api\r\nX-Pad: " + strings.Repeat("a", 9<<10) + "\r\n\r\n", "HTTP/1.1 431", false, 0, time.Second},
		{"body read: kept alive", post("Bearer "+token, job, len(job)) + "GET /healthz HTTP/1.1\r\nHost: api\r\n\r\n", "HTTP/1.1 202", true, 0, 0},
		{"malformed body sent whole", post("Bearer "+token, strings.Repeat("x", 5000), 5000), "HTTP/1.1 400", false, 0, 500 * time.Millisecond},
		{"wrong token, body sent whole", post("Bearer nope", job, len(job)), "HTTP/1.1 401", false, 0, 500 * time.Millisecond},
		{"body sent to a route that reads none", "GET /healthz HTTP/1.1\r\nHost: api\r\nContent-Length: 10\r\n\r\n", "HTTP/1.1 200", false, 0, 1500 * time.Millisecond},
		{"body that stops half way", post("Bearer "+token, job[:10], len(job)), "HTTP/1.1 408", false, cfg.ReadTimeout + 500*time.Millisecond, cfg.ReadTimeout + 500*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var wg sync.WaitGroup
			s := openStalled(t, addr, tt.name, tt.send, 5*time.Second, &wg)
			wg.Wait()
			if tt.answerBy == 0 {
				tt.answerBy = time.Second
			}
			if !strings.HasPrefix(s.status, tt.status) || s.firstAnswer > tt.answerBy {
				t.Fatalf("answer %q after %s, want %s within %s", s.status, s.firstAnswer, tt.status, tt.answerBy)
			}
			if got := strings.Count(s.header, "HTTP/1.1 ") == 2; got != tt.keepAlive {
				t.Errorf("second answer on the connection: %v, want %v (read %q)", got, tt.keepAlive, s.header)
			}
			if tt.keepAlive {
				tt.closedBy = cfg.IdleTimeout + 500*time.Millisecond
			} else if !strings.Contains(s.header, "Connection: close") {
				t.Errorf("closing answer without Connection: close: %q", s.header)
			}
			if s.closed == 0 || s.closed > tt.closedBy {
				t.Errorf("closed after %s, want by %s", s.closed, tt.closedBy)
			}
		})
	}
}

// TestConnectionBoundRefuses: when every place holds a request in
// progress, a new connection gets a 503 at once, and is served again once
// a place frees.
func TestConnectionBoundRefuses(t *testing.T) {
	t.Parallel()
	cfg := api.ServerConfig{ReadTimeout: time.Second, MaxConnections: 3}
	addr := serve(t, cfg)
	var wg sync.WaitGroup
	for range cfg.MaxConnections {
		openStalled(t, addr, "busy", stallKinds[3].send, 5*time.Second, &wg) // an authenticated POST whose body never comes
	}
	time.Sleep(100 * time.Millisecond) // let the server read their headers
	start := time.Now()
	refused := openStalled(t, addr, "refused", "GET /healthz HTTP/1.1\r\nHost: api\r\n\r\n", 5*time.Second, &wg)
	wg.Wait()
	if !strings.HasPrefix(refused.status, "HTTP/1.1 503") || !strings.Contains(refused.header, "Retry-After") {
		t.Errorf("over the bound: %q, want a 503 with Retry-After", refused.header)
	}
	if refused.firstAnswer > 500*time.Millisecond || refused.closed == 0 {
		t.Errorf("503 after %s, closed %v; want at once", refused.firstAnswer, refused.closed)
	}
	if code, took, err := probe(addr, "/healthz", ""); code != http.StatusOK || err != nil {
		t.Errorf("after the busy requests ended (%s): /healthz = %d %v after %s", time.Since(start), code, err, took)
	}
}
