package emf

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/otel/nonblock"
)

// Exporter is a metric.Exporter that also reports its own health.
type Exporter interface {
	metric.Exporter
	Stats() Stats
}

// A Write that fails before writing a byte is tried again; one that wrote
// part of a line is not, as a second copy would follow a broken line.
const (
	writeAttempts = 3
	writeBackoff  = 10 * time.Millisecond
)

type exporter struct {
	cfg  config
	lim  limits
	now  func() time.Time
	mu   sync.Mutex // serializes writes, so lines never interleave
	shut atomic.Bool
	// lastItems is the previous export's point count, a capacity hint.
	lastItems atomic.Int64
	c         counters
	// queue, when not nil, is cfg.writer: the exporter's own non-blocking
	// queue in front of the caller's writer.
	queue *nonblock.Writer
}

var _ metric.Exporter = (*exporter)(nil)

// New returns an exporter writing EMF lines. WithNamespace and WithMapper
// are required.
func New(opts ...Option) (Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("emf: %w", err)
	}
	e := &exporter{cfg: cfg, lim: defaultLimits, now: time.Now}
	if cfg.queueLines > 0 {
		e.queue = nonblock.New(cfg.writer, cfg.queueLines)
		e.cfg.writer = e.queue
	}
	return e, nil
}

// Temporality asks for deltas: a counter's value is then the interval's
// increase, which CloudWatch sums, so no first point is lost and a restart
// is no reset to detect. Up-down counters stay cumulative: they are levels.
func (e *exporter) Temporality(k metric.InstrumentKind) metricdata.Temporality {
	return metric.DeltaTemporalitySelector(k)
}

func (e *exporter) Aggregation(k metric.InstrumentKind) metric.Aggregation {
	return metric.DefaultAggregationSelector(k)
}

// Stats returns the counters accumulated since New.
func (e *exporter) Stats() Stats { return e.c.snapshot() }

// Export writes rm as EMF lines before it returns; nothing of rm is kept.
// Documents are encoded one at a time into one buffer, so memory stays at
// the size of the translated points, not of the output.
func (e *exporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.shut.Load() {
		return fmt.Errorf("emf: export: %w", metric.ErrExporterShutdown)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("emf: export: %w", err)
	}
	docs := e.documents(rm)
	var enc encoded
	written, blocked := 0, 0
	for i := range docs {
		enc.reset()
		enc.add(&docs[i], e.cfg.namespace, e.cfg.resolution, e.lim)
		e.c.drop(dropTooLarge, enc.tooLarge)
		for j, l := range enc.lines {
			err := ctx.Err()
			r := dropCanceled
			if err == nil {
				if err = e.write(ctx, enc.bytes(l)); errors.Is(err, nonblock.ErrFull) {
					// The queue is full: this line is lost, the next may fit.
					e.c.drop(dropWriterBlocked, l.datums)
					blocked++
					continue
				} else if err != nil {
					r = dropWriteFailed
				}
			}
			if err != nil {
				for _, rest := range enc.lines[j:] {
					e.c.drop(r, rest.datums)
				}
				for _, d := range docs[i+1:] {
					for _, m := range d.metrics {
						e.c.drop(r, m.datums())
					}
				}
				return fmt.Errorf("emf: export: after %d lines: %w", written, err)
			}
			written++
			e.c.documents.Add(1)
			e.c.datums.Add(uint64(l.datums))
		}
	}
	if blocked > 0 {
		return fmt.Errorf("emf: export: %d of %d lines dropped: %w", blocked, blocked+written, nonblock.ErrFull)
	}
	return nil
}

// documents is the pure half of Export: rm to documents, drops counted.
func (e *exporter) documents(rm *metricdata.ResourceMetrics) []document {
	items, ts := e.collect(rm)
	e.c.drop(dropUnmapped, ts.Unmapped)
	e.c.drop(dropNonFinite, ts.NonFinite)
	e.c.drop(dropMissingDimension, ts.MissingDimension)
	e.c.drop(dropUnsupported, ts.Unsupported)
	items = e.inRange(items)

	docs, bs := buildDocuments(items, e.lim)
	e.c.propertiesSkipped.Add(uint64(bs.propertiesSkipped))
	e.c.drop(dropNameCollision, bs.nameCollisions)
	return docs
}

// inRange drops points CloudWatch would reject for their time.
func (e *exporter) inRange(items []item) []item {
	now := e.now()
	oldest, newest := now.Add(-maxAge), now.Add(maxFuture)
	kept := items[:0]
	for _, it := range items {
		n := 1
		if d := it.point.Dist; d != nil {
			n = (len(d.Values) + e.lim.values - 1) / e.lim.values
		}
		switch t := it.point.Time; {
		case t.Before(oldest):
			e.c.drop(dropTooOld, n)
		case t.After(newest):
			e.c.drop(dropTooNew, n)
		default:
			kept = append(kept, it)
		}
	}
	return kept
}

func (e *exporter) write(ctx context.Context, p []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for attempt := 1; ; attempt++ {
		n, err := e.cfg.writer.Write(p)
		e.c.requests.Add(1)
		e.c.bytes.Add(uint64(n))
		if err == nil {
			return nil
		}
		e.c.requestsFailed.Add(1)
		if n > 0 || attempt == writeAttempts || errors.Is(err, nonblock.ErrFull) {
			return fmt.Errorf("write (attempt %d): %w", attempt, err)
		}
		t := time.NewTimer(writeBackoff << (attempt - 1))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("write (attempt %d): %w; then %w", attempt, err, ctx.Err())
		case <-t.C:
		}
	}
}

type flusher interface{ Flush() error }

// ForceFlush flushes a buffering writer, and waits for the non-blocking
// queue to be written out or ctx to end.
func (e *exporter) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("emf: flush: %w", err)
	}
	return e.flush(ctx)
}

// Shutdown flushes a buffering writer and makes later Exports fail. The
// writer is not closed: it belongs to the caller.
func (e *exporter) Shutdown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("emf: shutdown: %w", err)
	}
	if e.shut.Swap(true) {
		return nil
	}
	err := e.flush(ctx)
	if e.queue != nil {
		_ = e.queue.Close()
	}
	return err
}

func (e *exporter) flush(ctx context.Context) error {
	if e.queue != nil {
		if err := e.queue.FlushContext(ctx); err != nil {
			return fmt.Errorf("emf: flush: %w", err)
		}
	}
	f, ok := e.cfg.writer.(flusher)
	if !ok {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := f.Flush(); err != nil {
		return fmt.Errorf("emf: flush: %w", err)
	}
	return nil
}
