package metrics

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Publisher holds the metric publisher's instruments. The queue gauges are
// observable: each collection reports the counts of the last successful read,
// so every export interval carries a value even when reads and exports are
// not aligned, and nothing is reported while the last read failed.
type Publisher struct {
	readErrors metric.Int64Counter
	reg        metric.Registration
}

// NewPublisher registers the queue gauges and the count of failed jobs
// retention dropped. latest returns the counts of the
// last successful read and whether they are current.
func NewPublisher(mp metric.MeterProvider, latest func() (crawler.QueueCounts, bool)) (*Publisher, error) {
	m := mp.Meter(Scope)
	gauge := func(d Definition) (metric.Float64ObservableGauge, error) { return float64Gauge(m, d) }
	var errs [10]error
	waiting, e0 := gauge(QueueWaiting)
	active, e1 := gauge(QueueActive)
	failed, e2 := gauge(QueueFailed)
	delayed, e3 := gauge(QueueDelayed)
	oldest, e4 := gauge(QueueOldestAge)
	backlog, e5 := gauge(QueueBacklogPerWorker)
	workers, e6 := gauge(QueueWorkers)
	paused, e8 := gauge(QueuePaused)
	dropped, e9 := int64ObservableCounter(m, QueueFailedDropped)
	errs[9] = e9
	errs[0], errs[1], errs[2], errs[3], errs[4], errs[5], errs[6], errs[8] = e0, e1, e2, e3, e4, e5, e6, e8
	p := &Publisher{}
	p.readErrors, errs[7] = int64Counter(m, PublisherReadErrors)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("metrics: publisher instruments: %w", err)
	}
	startAtZero(p.readErrors, PublisherReadErrors)
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		c, ok := latest()
		if !ok {
			return nil
		}
		o.ObserveFloat64(waiting, float64(c.Waiting))
		o.ObserveFloat64(active, float64(c.Active))
		o.ObserveFloat64(failed, float64(c.Failed))
		o.ObserveFloat64(delayed, float64(c.Delayed))
		o.ObserveFloat64(oldest, c.OldestWaitingAge)
		o.ObserveFloat64(backlog, BacklogPerWorker(c))
		o.ObserveFloat64(workers, float64(c.Workers))
		o.ObserveFloat64(paused, b2f(c.Paused))
		o.ObserveInt64(dropped, c.FailedDropped)
		return nil
	}, waiting, active, failed, delayed, oldest, backlog, workers, paused, dropped)
	if err != nil {
		return nil, fmt.Errorf("metrics: publisher callback: %w", err)
	}
	p.reg = reg
	return p, nil
}

// ReadFailed counts one failed read of the queue.
func (p *Publisher) ReadFailed(ctx context.Context) { p.readErrors.Add(ctx, 1) }

// Close unregisters the gauges' callback.
func (p *Publisher) Close() error {
	if p.reg == nil {
		return nil
	}
	return p.reg.Unregister()
}

// BacklogPerWorker is waiting jobs per live worker. With no live worker it is
// the whole backlog, so target tracking still scales out from zero.
func BacklogPerWorker(c crawler.QueueCounts) float64 {
	if c.Workers <= 0 {
		return float64(c.Waiting)
	}
	return float64(c.Waiting) / float64(c.Workers)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
