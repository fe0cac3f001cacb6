package health_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/health"
	"github.com/crawler-service/crawler/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}

// pinger adapts a go-redis client, as *queue.Queue does.
type pinger struct{ rdb *redis.Client }

func (p pinger) Ping(ctx context.Context) error { return p.rdb.Ping(ctx).Err() }

type answer struct {
	code int
	body struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
}

func get(t *testing.T, url string) answer {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var a answer
	a.code = resp.StatusCode
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return a
}

// waitFor polls /healthz until it answers code, and returns the answer and
// how long that took.
func waitFor(t *testing.T, url string, code int, within time.Duration) (answer, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		a := get(t, url)
		if a.code == code {
			return a, time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("/healthz still answers %d %+v after %s, want %d", a.code, a.body, within, code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRedisOutage stops a real redis-server under a running checker:
// /healthz stays 200 through the grace, turns 503 after it, and comes back
// to 200 once Redis is started again.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 200 * time.Millisecond, DialerRetries: 1, MaxRetries: -1})
	defer rdb.Close()
	const grace = 800 * time.Millisecond
	c := health.New(health.Config{RedisGrace: grace, PingInterval: 100 * time.Millisecond}, pinger{rdb})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	hs := httptest.NewServer(c.Handler())
	defer hs.Close()

	if a := get(t, hs.URL); a.code != 200 || a.body.Status != "ok" {
		t.Fatalf("with Redis up: %d %+v", a.code, a.body)
	}

	srv.Kill()
	killed := time.Now()
	a, _ := waitFor(t, hs.URL, 503, 10*time.Second)
	// The grace runs from the last ping answered, up to an interval before.
	if took := time.Since(killed); took < grace-100*time.Millisecond {
		t.Errorf("unhealthy %s after Redis stopped, before the %s grace", took, grace)
	}
	if a.body.Status != "unhealthy" || !strings.HasPrefix(a.body.Reason, "redis has not answered for") {
		t.Errorf("503 body %+v", a.body)
	}
	t.Logf("Redis down: %d %+v", a.code, a.body)

	srv.Restart(t)
	if a, took := waitFor(t, hs.URL, 200, 10*time.Second); a.body.Status != "ok" {
		t.Errorf("after restart: %+v (%s)", a.body, took)
	}
	if err := c.Run(ctx); err != health.ErrAlreadyRun {
		t.Errorf("second Run = %v, want ErrAlreadyRun", err)
	}
}

// TestNeverAnswered: a process that starts while Redis is down has the
// grace from its start, then is unhealthy, with the ping's error.
func TestNeverAnswered(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	addr := srv.Addr()
	srv.Kill()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, DialerRetries: 1, MaxRetries: -1})
	defer rdb.Close()
	c := health.New(health.Config{RedisGrace: 300 * time.Millisecond}, pinger{rdb})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if s := c.Status(); !s.Healthy {
		t.Errorf("unhealthy within the grace: %s", s.Reason)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Status().Healthy && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	s := c.Status()
	if s.Healthy || !strings.Contains(s.Reason, "connection refused") {
		t.Errorf("status %+v, want unhealthy with the dial error", s)
	}
}
