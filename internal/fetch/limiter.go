package fetch

import (
	"context"
	"sync"
	"time"
)

// NewHostLimiter returns an in-process HostLimiter: at most concurrency
// requests in flight per host, and request starts at least gap apart.
func NewHostLimiter(concurrency int, gap time.Duration) HostLimiter {
	return &hostLimiter{concurrency: max(concurrency, 1), gap: gap, hosts: make(map[string]*hostSlot)}
}

type hostLimiter struct {
	concurrency int
	gap         time.Duration

	mu      sync.Mutex
	hosts   map[string]*hostSlot
	created int // entries made since the last sweep
}

type hostSlot struct {
	sem   chan struct{}
	next  time.Time // earliest start of the next request (guarded by mu)
	users int       // holders and waiters (guarded by mu)
}

// sweepEvery bounds the map: idle hosts whose gap has passed are dropped
// every so many new hosts, so a crawl over millions of sites does not keep
// one entry per site forever.
const sweepEvery = 1024

func (l *hostLimiter) Acquire(ctx context.Context, host string) (func(), error) {
	s := l.enter(host)
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		l.leave(s)
		return nil, ctx.Err()
	}
	if l.gap > 0 {
		if err := l.waitGap(ctx, s); err != nil {
			<-s.sem
			l.leave(s)
			return nil, err
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-s.sem
			l.leave(s)
		})
	}, nil
}

// waitGap reserves the next start time under the lock, then sleeps
// outside it, so concurrent holders line up gap apart.
func (l *hostLimiter) waitGap(ctx context.Context, s *hostSlot) error {
	l.mu.Lock()
	now := time.Now()
	start := s.next
	if start.Before(now) {
		start = now
	}
	s.next = start.Add(l.gap)
	l.mu.Unlock()
	wait := start.Sub(now)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *hostLimiter) enter(host string) *hostSlot {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.hosts[host]
	if !ok {
		l.created++
		if l.created >= sweepEvery {
			l.sweepLocked()
		}
		s = &hostSlot{sem: make(chan struct{}, l.concurrency)}
		l.hosts[host] = s
	}
	s.users++
	return s
}

func (l *hostLimiter) leave(s *hostSlot) {
	l.mu.Lock()
	s.users--
	l.mu.Unlock()
}

func (l *hostLimiter) sweepLocked() {
	l.created = 0
	now := time.Now()
	for h, s := range l.hosts {
		if s.users == 0 && !s.next.After(now) {
			delete(l.hosts, h)
		}
	}
}

func (l *hostLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.hosts)
}
