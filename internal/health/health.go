package health

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Pinger is what the checker needs of Redis; *queue.Queue has it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config tunes a Checker. Every zero field means the default named on it.
type Config struct {
	// RedisGrace is how long Redis may go without answering a ping before
	// the process is unhealthy (HEALTH_REDIS_GRACE): long enough to ride
	// out a failover or a restart, which the process survives on its own.
	// Zero means 30s.
	RedisGrace time.Duration
	// PingInterval is how often Redis is pinged. Zero means RedisGrace/6,
	// between 100ms and 5s, so a few pings fail before the grace runs out.
	PingInterval time.Duration
}

func (c Config) withDefaults() Config {
	if c.RedisGrace <= 0 {
		c.RedisGrace = 30 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = min(max(c.RedisGrace/6, 100*time.Millisecond), 5*time.Second)
	}
	return c
}

// Status is the verdict of one check.
type Status struct {
	Healthy bool
	Reason  string // why not, when not healthy
}

// Checker holds what a process's health depends on. Its methods are safe
// for concurrent use.
type Checker struct {
	cfg   Config
	redis Pinger
	now   func() time.Time

	mu      sync.Mutex
	ran     bool
	lastOK  time.Time // last answered ping; the start counts as one
	lastErr error
	loops   []loop
}

type loop struct {
	name  string
	last  func() time.Time
	bound time.Duration
	since time.Time // when it was watched: a loop not yet started counts from here
}

// ErrAlreadyRun is returned by a second Run.
var ErrAlreadyRun = errors.New("health: checker already run")

// New returns a Checker that pings redis once Run starts it. Until Redis
// first answers, the grace runs from New.
func New(cfg Config, redis Pinger) *Checker {
	c := &Checker{cfg: cfg.withDefaults(), redis: redis, now: time.Now}
	c.lastOK = c.now()
	return c
}

// WatchLoop adds a loop the process cannot work without: last reports when
// it last came round (zero before it started), and the process is
// unhealthy once that is longer ago than bound.
func (c *Checker) WatchLoop(name string, last func() time.Time, bound time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loops = append(c.loops, loop{name: name, last: last, bound: bound, since: c.now()})
}

// Run pings Redis every PingInterval until ctx ends, then returns nil.
func (c *Checker) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.ran {
		c.mu.Unlock()
		return ErrAlreadyRun
	}
	c.ran = true
	c.mu.Unlock()
	t := time.NewTicker(c.cfg.PingInterval)
	defer t.Stop()
	for {
		c.ping(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (c *Checker) ping(ctx context.Context) {
	// A ping slower than this is as good as lost; the next tick waits.
	pctx, cancel := context.WithTimeout(ctx, max(c.cfg.PingInterval, 2*time.Second))
	defer cancel()
	err := c.redis.Ping(pctx)
	if ctx.Err() != nil {
		return // stopping: a cancelled ping says nothing about Redis
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastErr = err
	if err == nil {
		c.lastOK = c.now()
	}
}

// Status checks Redis and the watched loops now.
func (c *Checker) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var reasons []string
	// Not only a failed ping: a ping that never returns, or a Run that
	// never started, leaves lastOK behind too.
	if d := now.Sub(c.lastOK); d > c.cfg.RedisGrace {
		r := fmt.Sprintf("redis has not answered for %s", round(d))
		if c.lastErr != nil {
			r += ": " + truncate(c.lastErr.Error(), 160)
		}
		reasons = append(reasons, r)
	}
	for _, l := range c.loops {
		last := l.last()
		if last.IsZero() || last.Before(l.since) {
			last = l.since
		}
		if d := now.Sub(last); d > l.bound {
			reasons = append(reasons, fmt.Sprintf("%s has not come round for %s (bound %s)", l.name, round(d), l.bound))
		}
	}
	if len(reasons) == 0 {
		return Status{Healthy: true}
	}
	r := reasons[0]
	for _, s := range reasons[1:] {
		r += "; " + s
	}
	return Status{Reason: r}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// round keeps a duration readable: whole seconds, tenths under ten.
func round(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
