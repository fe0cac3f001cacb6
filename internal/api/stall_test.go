//go:build unix

package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/api"
)

// nonReader holds connections the way an attacker who never reads does:
// each has a tiny receive buffer and carries a long run of pipelined
// requests, so the server soon blocks writing their answers. When the
// server closes one, the attacker dials again after pause.
type nonReader struct {
	addr     string
	requests string // sent at once on each connection
	pause    time.Duration
	dials    atomic.Int64
}

func (a *nonReader) hold(ctx context.Context, t *testing.T) {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", a.addr)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("attacker dial: %v", err)
			}
			return
		}
		a.dials.Add(1)
		// Write more now and then: a write fails once the server has
		// closed the connection, which a client that never reads sees no
		// other way.
		send, tick := a.requests, time.NewTicker(200*time.Millisecond)
	write:
		for {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := c.Write([]byte(send)); err != nil {
				break
			}
			send = "GET /metrics HTTP/1.1\r\nHost: api\r\n\r\n"
			select {
			case <-ctx.Done():
				break write
			case <-tick.C:
			}
		}
		tick.Stop()
		_ = c.Close()
		select {
		case <-ctx.Done():
		case <-time.After(a.pause):
		}
	}
}

// TestNonReadersCannotHoldPlaces: clients that pipeline requests and never
// read the answers, more of them than the server has places, dialling
// again whenever the server closes one, cost neither /healthz nor an
// authenticated GET /v1/queue more than a stall (500 ms) and a little: a
// connection whose answer makes no progress may be closed to make room,
// like an idle one, though its request is still in progress. A probe may
// retry a 503, as Retry-After asks, within its budget. It runs alone (not
// parallel): its figures are times.
func TestNonReadersCannotHoldPlaces(t *testing.T) {
	const (
		places    = 20
		attackers = 30
		budget    = 2 * time.Second // for each probe's 200, retries of 503s included
		attack    = 6 * time.Second
	)
	// A scrape of a busy process's metrics is tens of KiB: a few answers
	// fill the socket buffers of a client that does not read.
	scrape := strings.Repeat("crawler_api_requests_total 1\n", 2<<10)
	addr := serve(t, api.ServerConfig{MaxConnections: places}, func(d *api.Deps) {
		d.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, scrape) })
	})
	stalls := watchStalls(t)
	a := &nonReader{addr: addr, requests: strings.Repeat("GET /metrics HTTP/1.1\r\nHost: api\r\n\r\n", 300), pause: 500 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	began := time.Now()
	for range attackers {
		wg.Go(func() { a.hold(ctx, t) })
	}
	time.Sleep(300 * time.Millisecond) // let the server block on their answers

	var (
		slowest         time.Duration
		probes, refused int
		lastRefused     time.Duration // since the attack began
	)
	for i := 0; time.Since(began) < attack; i++ {
		path, auth := "/healthz", ""
		if i%2 == 1 {
			path, auth = "/v1/queue", "Bearer "+token
		}
		before, start := stalls.worst(), time.Now()
		var (
			code int
			err  error
		)
		for time.Since(start) < budget {
			if code, _, err = probe(addr, path, auth); code != http.StatusServiceUnavailable {
				break
			}
			refused, lastRefused = refused+1, time.Since(began)
			time.Sleep(100 * time.Millisecond)
		}
		took := time.Since(start)
		probes++
		slowest = max(slowest, took)
		if err != nil || code != http.StatusOK || took > budget+stalls.worst()-before {
			t.Errorf("%s into the attack: GET %s = %d, %v after %s; want 200 within %s",
				start.Sub(began).Round(time.Millisecond), path, code, err, took.Round(time.Millisecond), budget)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("%d probes, slowest answer %s; %d answers 503 (retried), the last %s into the attack; the attacker dialled %d times for %d connections",
		probes, slowest.Round(time.Millisecond), refused, lastRefused.Round(time.Millisecond), a.dials.Load(), attackers)
}
