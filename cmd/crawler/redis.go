package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// redisLog takes go-redis's own messages (a pool's failed dials while
// Redis is down), which it would print as plain text with Go's log
// package, to the structured logger: at most one a second, with the
// count of those held back, so an outage does not flood the log.
type redisLog struct {
	log        *slog.Logger
	last       atomic.Int64 // unix nanoseconds of the last line
	suppressed atomic.Int64
}

func (r *redisLog) Printf(_ context.Context, format string, v ...any) {
	now, last := time.Now().UnixNano(), r.last.Load()
	if now-last < int64(time.Second) || !r.last.CompareAndSwap(last, now) {
		r.suppressed.Add(1)
		return
	}
	r.log.Warn("redis client", "detail", fmt.Sprintf(format, v...), "suppressed", r.suppressed.Swap(0))
}

// quoted is a value an error message quotes.
var quoted = regexp.MustCompile(`"[^"]*"`)

// openRedis connects to REDIS_URL, or for `all` without one starts an
// embedded in-memory Redis. The returned stop closes what was opened.
func openRedis(ctx context.Context, url string, log *slog.Logger) (redis.UniversalClient, func(), error) {
	redis.SetLogger(&redisLog{log: log})
	if url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			// go-redis quotes the values it could not read, and a query
			// option of REDIS_URL may hold a secret: say what, not which.
			return nil, nil, fmt.Errorf("REDIS_URL: %s", quoted.ReplaceAllString(err.Error(), `"xxxxx"`))
		}
		// Fail fast when Redis is down: /readyz and the API answer 503 within
		// their deadlines instead of waiting on go-redis's default dial retries.
		if opts.DialTimeout == 0 {
			opts.DialTimeout = time.Second
		}
		opts.DialerRetries = 1
		rdb := redis.NewClient(opts)
		return rdb, func() { _ = rdb.Close() }, nil
	}
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, nil, fmt.Errorf("embedded redis: %w", err)
	}
	log.Warn("REDIS_URL is not set: running on an EMBEDDED IN-MEMORY Redis; jobs and schedules are lost when the process stops. Set REDIS_URL for anything but development.",
		"addr", m.Addr())
	// miniredis never expires keys on its own: move its clock with ours.
	tick := time.NewTicker(time.Second)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	return rdb, func() {
		_ = rdb.Close()
		tick.Stop()
		close(done)
		<-stopped
		m.Close()
	}, nil
}
