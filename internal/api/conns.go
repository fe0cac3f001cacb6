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

// writeStall is how long an answer may make no progress before its
// connection may lose its place. A request in progress would otherwise
// hold its place until the write deadline (API_WRITE_TIMEOUT), and a
// client that sends requests (pipelined or not) whose answers outgrow the
// socket buffers, and then never reads, could hold every place for that
// long and starve /healthz and token holders alike. Write deadlines alone
// would not do: the client dials again. A client that reads writeChunk
// per writeStall (8 KiB/s) never counts as stalled; one that reads slower,
// or pauses longer, risks its place only when the server is full and no
// connection has waited longer. The shorter the stall, the faster an
// attacker must dial to keep places fresh: at 1 s, one redialling a few
// dozen connections still got probes the odd 503.
const writeStall = 500 * time.Millisecond

// writeChunk is the most one write to the socket hands over, so that
// progress is seen at that grain. It is net/http's connection buffer.
const writeChunk = 4 << 10

// conns keeps a server's open connections within a bound without ever
// making a new one wait, as netutil.LimitListener would: at the bound, a
// new connection takes the place of the one that has waited longest on
// its client. A connection waits on its client when it has no request in
// progress (accepted with no complete headers yet, kept alive between
// requests, or answered and only draining an unread body), and also when
// its answer has been stuck in a write for writeStall: the client does not
// read. Those are where stalled clients sit. Requests in progress end by
// their deadlines, and only authenticated ones can read a body for long.
// When every place holds a request in progress that still moves, the new
// connection gets a 503 and is closed.
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
	// stuck is when the write in progress last moved (unix nanos); 0 when
	// no write is in progress.
	stuck atomic.Int64
	// Guarded by conns.mu.
	waiting bool      // no request in progress
	since   time.Time // of the last change of waiting
}

// Write writes p in chunks, noting when each starts, so that admit can see
// an answer that no longer moves.
func (c *conn) Write(p []byte) (int, error) {
	defer c.stuck.Store(0)
	var n int
	for len(p) > 0 {
		c.stuck.Store(time.Now().UnixNano())
		m, err := c.Conn.Write(p[:min(len(p), writeChunk)])
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// waitingSince says since when c has waited on its client, if it has.
// Called with conns.mu held.
func (c *conn) waitingSince(now time.Time) (time.Time, bool) {
	if c.waiting {
		return c.since, true
	}
	if at := c.stuck.Load(); at != 0 && now.Sub(time.Unix(0, at)) >= writeStall {
		return time.Unix(0, at), true
	}
	return time.Time{}, false
}

func newConns(max int, log *slog.Logger) *conns {
	return &conns{max: max, log: log, open: make(map[*conn]struct{}, max)}
}

// admit returns nc as a conn, having made room for it, or nil when it was
// refused.
func (cs *conns) admit(nc net.Conn) *conn {
	now := time.Now()
	cs.mu.Lock()
	var (
		victim      *conn
		victimSince time.Time
	)
	if len(cs.open) >= cs.max {
		for c := range cs.open {
			if since, ok := c.waitingSince(now); ok && (victim == nil || since.Before(victimSince)) {
				victim, victimSince = c, since
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
