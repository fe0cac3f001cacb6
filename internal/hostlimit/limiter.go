package hostlimit

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/keyspace"
)

//go:embed acquire.lua
var acquireSrc string

var acquireScript = redis.NewScript(acquireSrc)

// Config sets the shared limit.
type Config struct {
	// Keys names the keys: keyspace.Keys.Host and HostNext. Zero means
	// keyspace.DefaultPrefix.
	Keys keyspace.Keys
	// Concurrency bounds requests in flight to one host across all workers.
	Concurrency int
	// Gap is the least time between two request starts to one host (0: none).
	Gap time.Duration
	// Lease is the longest a place is held: a worker that dies mid-request
	// frees its place after it. Make it longer than the fetch timeout.
	Lease time.Duration
	// Fallback limits requests while Redis cannot be reached. Required.
	Fallback fetch.HostLimiter
	// Owner names this process in the tokens (any unique string).
	Owner string
}

// Poll bounds while the host is full: the first retry comes after
// pollMin, doubling up to pollMax (or the soonest lease end, if sooner).
const (
	pollMin = 5 * time.Millisecond
	pollMax = 200 * time.Millisecond
	// opTimeout bounds one Redis call, so a hung Redis delays a request
	// by this much before the fallback takes over.
	opTimeout = 2 * time.Second
)

// Shared is a fetch.HostLimiter whose limit holds across every process sharing rdb.
type Shared struct {
	rdb  redis.UniversalClient
	cfg  Config
	log  *slog.Logger
	seq  atomic.Uint64
	warn sync.Mutex
	last time.Time // of the last fallback warning
}

// New returns a Shared limiter on rdb.
func New(rdb redis.UniversalClient, cfg Config, log *slog.Logger) (*Shared, error) {
	switch {
	case cfg.Concurrency < 1:
		return nil, fmt.Errorf("hostlimit: concurrency %d, want at least 1", cfg.Concurrency)
	case cfg.Gap < 0:
		return nil, fmt.Errorf("hostlimit: gap %s, want 0 or more", cfg.Gap)
	case cfg.Lease < time.Second:
		return nil, fmt.Errorf("hostlimit: lease %s, want at least 1s", cfg.Lease)
	case cfg.Fallback == nil:
		return nil, errors.New("hostlimit: a fallback limiter is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Shared{rdb: rdb, cfg: cfg, log: log}, nil
}

var _ fetch.HostLimiter = (*Shared)(nil)

// Acquire implements fetch.HostLimiter.
func (s *Shared) Acquire(ctx context.Context, host string) (func(), error) {
	holders := s.cfg.Keys.Host(host)
	keys := []string{holders, s.cfg.Keys.HostNext(host)}
	token := s.cfg.Owner + ":" + strconv.FormatUint(s.seq.Add(1), 36)
	args := []any{token, s.cfg.Concurrency, s.cfg.Gap.Milliseconds(), s.cfg.Lease.Milliseconds()}
	poll := pollMin
	for {
		wait, err := s.try(ctx, keys, args)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.fellBack(host, err)
			return s.cfg.Fallback.Acquire(ctx, host)
		}
		if wait == 0 {
			return s.releaser(holders, token), nil
		}
		// A gap says exactly when; a full host frees at a release, which
		// polling with backoff finds, or at its soonest lease end.
		d := time.Duration(wait) * time.Millisecond
		if wait < 0 {
			d = min(-d, poll)
			poll = min(2*poll, pollMax)
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

func (s *Shared) try(ctx context.Context, keys []string, args []any) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	return acquireScript.Run(ctx, s.rdb, keys, args...).Int64()
}

// releaser frees the place once. A release that cannot reach Redis is
// left to the lease.
func (s *Shared) releaser(holders, token string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			defer cancel()
			_ = s.rdb.ZRem(ctx, holders, token).Err()
		})
	}
}

// fellBack logs that Redis could not be reached, at most once a minute.
func (s *Shared) fellBack(host string, err error) {
	s.warn.Lock()
	defer s.warn.Unlock()
	if time.Since(s.last) < time.Minute {
		return
	}
	s.last = time.Now()
	s.log.Warn("shared host limit unavailable; limiting per process", "host", host, "error", err)
}
