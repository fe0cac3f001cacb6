package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// quoted is a value an error message quotes.
var quoted = regexp.MustCompile(`"[^"]*"`)

// openRedis connects to REDIS_URL, or for `all` without one starts an
// embedded in-memory Redis. The returned stop closes what was opened.
func openRedis(ctx context.Context, url string, log *slog.Logger) (redis.UniversalClient, func(), error) {
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
