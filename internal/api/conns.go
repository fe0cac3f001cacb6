package api

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// busyAnswer goes to a connection refused because every place is taken by
// a request in progress.
var busyAnswer = func() string {
	body := `{"error":{"code":"unavailable","message":"too many connections; retry later"}}` + "\n"
	return "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n" +
		"Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}()

// limitLogEvery spaces the warnings that the bound was reached.
const limitLogEvery = 10 * time.Second

// conns keeps a server's open connections within a bound without ever
// making a new one wait, as netutil.LimitListener would: at the bound, a
// new connection takes the place of the one that has waited longest
// without a request in progress (accepted with no complete headers yet,
// kept alive between requests, or answered and only draining an unread
// body). Those are where stalled clients sit; requests in progress end by
// their deadlines, and only authenticated ones can read a body for long.
// When every place holds a request in progress, the new connection gets a
// 503 and is closed.
type conns struct {
	max int
	log *slog.Logger

	mu   sync.Mutex
	open map[*conn]struct{}

	shed, refused atomic.Int64
	lastLog       atomic.Int64 // unix nanos
}

// conn is an accepted connection and what the server last did with it.
type conn struct {
	net.Conn
	conns *conns
	// Guarded by conns.mu.
	waiting bool      // no request in progress
	since   time.Time // of the last change of waiting
}

func newConns(max int, log *slog.Logger) *conns {
	return &conns{max: max, log: log, open: make(map[*conn]struct{}, max)}
}

// admit returns nc as a conn, having made room for it, or nil when it was
// refused.
func (cs *conns) admit(nc net.Conn) *conn {
	now := time.Now()
	cs.mu.Lock()
	var victim *conn
	if len(cs.open) >= cs.max {
		for c := range cs.open {
			if c.waiting && (victim == nil || c.since.Before(victim.since)) {
				victim = c
			}
		}
		if victim == nil {
			cs.mu.Unlock()
			cs.refused.Add(1)
			cs.warn()
			_ = nc.SetWriteDeadline(now.Add(100 * time.Millisecond))
			_, _ = io.WriteString(nc, busyAnswer)
			_ = nc.Close()
			return nil
		}
		delete(cs.open, victim)
	}
	c := &conn{Conn: nc, conns: cs, waiting: true, since: now}
	cs.open[c] = struct{}{}
	cs.mu.Unlock()
	if victim != nil {
		cs.shed.Add(1)
		cs.warn()
		_ = victim.Close()
	}
	return c
}

// track is the http.Server's ConnState hook.
func (cs *conns) track(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(cs.open, c)
	case http.StateActive:
		c.waiting, c.since = false, time.Now()
	case http.StateIdle:
		c.waiting, c.since = true, time.Now()
	}
}

// answered marks c as waiting for nothing but an unread body.
func (cs *conns) answered(c *conn) {
	cs.mu.Lock()
	c.waiting, c.since = true, time.Now()
	cs.mu.Unlock()
}

func (cs *conns) warn() {
	now := time.Now().UnixNano()
	last := cs.lastLog.Load()
	if now-last < int64(limitLogEvery) || !cs.lastLog.CompareAndSwap(last, now) {
		return
	}
	cs.log.Warn("api: connection bound reached", "max", cs.max,
		"closed_waiting_total", cs.shed.Load(), "refused_total", cs.refused.Load())
}

type connKey struct{}

// withConn is the http.Server's ConnContext hook: it lets a handler find
// its connection's place.
func withConn(ctx context.Context, nc net.Conn) context.Context {
	if c, ok := nc.(*conn); ok {
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

// limitListener admits each accepted connection through conns.
type limitListener struct {
	net.Listener
	conns *conns
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c := l.conns.admit(nc); c != nil {
			return c, nil
		}
	}
}
