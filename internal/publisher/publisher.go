package publisher

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
)

// Config tunes a Publisher.
type Config struct {
	// Interval is how often the queue is read (METRIC_PUBLISH_INTERVAL_MS).
	// Zero means 60s.
	Interval time.Duration
}

// Counter reads the queue's counts; *queue.Queue has it.
type Counter interface {
	Counts(ctx context.Context) (crawler.QueueCounts, error)
}

// Publisher turns periodic reads of the queue into gauges.
type Publisher struct {
	cfg     Config
	q       Counter
	log     *slog.Logger
	metrics *metrics.Publisher
	ran     atomic.Bool

	mu     sync.Mutex
	counts crawler.QueueCounts
	at     time.Time // of the last successful read
	fresh  bool      // false after a failed read, and before the first
	closed bool
}

// New registers the queue gauges on mp. They report nothing until Run's
// first read succeeds.
func New(cfg Config, q Counter, mp metric.MeterProvider, log *slog.Logger) (*Publisher, error) {
	if cfg.Interval < 0 {
		return nil, fmt.Errorf("publisher: interval %s: %w", cfg.Interval, ErrInvalidConfig)
	}
	if q == nil || mp == nil {
		return nil, fmt.Errorf("publisher: queue and meter provider are required: %w", ErrInvalidConfig)
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Publisher{cfg: cfg, q: q, log: log}
	m, err := metrics.NewPublisher(mp, p.latest)
	if err != nil {
		return nil, fmt.Errorf("publisher: %w", err)
	}
	p.metrics = m
	return p, nil
}

// latest is the gauges' view. Counts older than two intervals are stale
// too: a read that hangs must not keep an old backlog on the autoscaler's
// screen.
func (p *Publisher) latest() (crawler.QueueCounts, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.fresh || time.Since(p.at) > 2*p.cfg.Interval {
		return crawler.QueueCounts{}, false
	}
	return p.counts, true
}

// Run reads the queue at once and then every Interval until ctx ends, and
// returns nil. A failed read never stops it.
func (p *Publisher) Run(ctx context.Context) error {
	if !p.ran.CompareAndSwap(false, true) {
		return fmt.Errorf("publisher: run: %w", ErrAlreadyRun)
	}
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		p.read(ctx)
		select {
		case <-ctx.Done():
			// The last counts stay for the final flush; they age out.
			return nil
		case <-t.C:
		}
	}
}

func (p *Publisher) read(ctx context.Context) {
	// A read may take at most one interval, so reads never pile up.
	rctx, cancel := context.WithTimeout(ctx, p.cfg.Interval)
	defer cancel()
	c, err := p.q.Counts(rctx)
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down, not a Redis failure
		}
		p.markStale()
		p.metrics.ReadFailed(context.WithoutCancel(ctx))
		p.log.Warn("queue counts read failed; gauges withheld until a read succeeds", "error", err)
		return
	}
	p.mu.Lock()
	p.counts, p.at, p.fresh = c, time.Now(), true
	p.mu.Unlock()
}

func (p *Publisher) markStale() {
	p.mu.Lock()
	p.fresh = false
	p.mu.Unlock()
}

// Close unregisters the gauges. It is safe to call more than once.
func (p *Publisher) Close() error {
	p.mu.Lock()
	closed := p.closed
	p.closed = true
	p.mu.Unlock()
	if closed {
		return nil
	}
	if err := p.metrics.Close(); err != nil {
		return fmt.Errorf("publisher: close: %w", err)
	}
	return nil
}
