package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/syncbuf"
)

// rawAnswer sends raw on a new connection and returns the first line of
// the answer (empty if none) and how long the server took to close the
// connection (0 if it did not within 5 s).
func rawAnswer(t *testing.T, addr, raw string) (status string, answered, closed time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if raw != "" {
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.SetReadDeadline(start.Add(5 * time.Second))
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if status == "" && line != "" {
			status, answered = strings.TrimSpace(line), time.Since(start)
		}
		if err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				closed = time.Since(start)
			}
			return status, answered, closed
		}
	}
}

// TestAPILimitsFromEnvironment: the API_* variables reach the API's
// server: its deadlines, header cap and connection bound, and a 401 that
// does not wait for the body.
func TestAPILimitsFromEnvironment(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	env := map[string]string{
		"API_ADDR": addr, "API_TOKEN": "t", "SHUTDOWN_TIMEOUT": "5s",
		"API_READ_HEADER_TIMEOUT": "1s", "API_READ_TIMEOUT": "2s", "API_WRITE_TIMEOUT": "3s",
		"API_IDLE_TIMEOUT": "1s", "API_MAX_HEADER_BYTES": "4096", "API_MAX_CONNECTIONS": "8",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, envOf(env), &out, &errOut) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v", err)
		}
	}()
	waitHealthy(t, "http://"+addr)

	tests := []struct {
		name, send, status string
		answerBy, closeBy  time.Duration
	}{
		{"silent", "", "", 0, 1500 * time.Millisecond},
		{"idle", "GET /healthz HTTP/1.1\r\nHost: api\r\n\r\n", "HTTP/1.1 200", time.Second, 1500 * time.Millisecond},
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: api\r\nX-Pad: " + strings.Repeat("a", 9<<10) + "\r\n\r\n", "HTTP/1.1 431", time.Second, 1500 * time.Millisecond},
		{"unauthenticated body never sent", "POST /v1/jobs HTTP/1.1\r\nHost: api\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 401", time.Second, 1500 * time.Millisecond},
		{"authenticated body never sent", "POST /v1/jobs HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer t\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 408", 2500 * time.Millisecond, 2500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, answered, closed := rawAnswer(t, addr, tt.send)
			if !strings.HasPrefix(status, tt.status) || answered > tt.answerBy {
				t.Errorf("answer %q after %s, want %q within %s", status, answered, tt.status, tt.answerBy)
			}
			if closed == 0 || closed > tt.closeBy {
				t.Errorf("closed after %s, want by %s", closed, tt.closeBy)
			}
		})
	}

	// Twelve silent connections against a bound of eight: the oldest make
	// room, and /healthz still answers at once.
	var wg sync.WaitGroup
	closed := make([]time.Duration, 12)
	for i := range closed {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		wg.Go(func() {
			defer c.Close()
			_ = c.SetReadDeadline(start.Add(5 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err != nil {
				closed[i] = time.Since(start)
			}
		})
	}
	start := time.Now()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK || time.Since(start) > time.Second {
		t.Errorf("/healthz over the bound: %v %v after %s", resp, err, time.Since(start))
	}
	if resp != nil {
		resp.Body.Close()
	}
	wg.Wait()
	early := 0
	for _, d := range closed {
		if d < 500*time.Millisecond {
			early++
		}
	}
	if early < len(closed)-8 {
		t.Errorf("%d of %d connections closed early to keep within 8 (closed after %v)", early, len(closed), closed)
	}
}
