package nonblock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Errors a Write returns instead of blocking.
var (
	ErrFull   = errors.New("nonblock: queue full, write dropped")
	ErrClosed = errors.New("nonblock: writer closed")
)

// Writer queues writes for a goroutine of its own. It is safe for
// concurrent use; each Write reaches the destination whole and in the
// order the queue took it.
type Writer struct {
	dst   io.Writer
	queue chan []byte
	flush chan chan struct{}
	stop  chan struct{}
	done  chan struct{}

	mu     sync.RWMutex // held for reading by Write, for writing by Close
	closed bool

	dropped, written, failed atomic.Uint64
}

// New starts a Writer that holds up to lines writes for dst. Close stops it.
func New(dst io.Writer, lines int) *Writer {
	if lines < 1 {
		lines = 1
	}
	w := &Writer{
		dst: dst, queue: make(chan []byte, lines),
		flush: make(chan chan struct{}), stop: make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// Write queues a copy of p. It returns ErrFull, having written nothing,
// when the queue is full, and ErrClosed after Close.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return 0, ErrClosed
	}
	select {
	case w.queue <- append([]byte(nil), p...):
		return len(p), nil
	default:
		w.dropped.Add(1)
		return 0, ErrFull
	}
}

func (w *Writer) run() {
	defer close(w.done)
	var waiting []chan struct{}
	release := func() {
		for _, c := range waiting {
			close(c)
		}
		waiting = nil
	}
	for {
		select {
		case p := <-w.queue:
			w.put(p)
			if len(w.queue) == 0 {
				release()
			}
		case c := <-w.flush:
			waiting = append(waiting, c)
			if len(w.queue) == 0 {
				release()
			}
		case <-w.stop:
			// Close was called: write what is queued, then end.
			for {
				select {
				case p := <-w.queue:
					w.put(p)
				default:
					release()
					return
				}
			}
		}
	}
}

// put writes p to the destination and counts it.
func (w *Writer) put(p []byte) {
	if _, err := w.dst.Write(p); err != nil {
		w.failed.Add(1)
	} else {
		w.written.Add(1)
	}
}

// FlushContext waits until everything queued before the call is written,
// or ctx ends.
func (w *Writer) FlushContext(ctx context.Context) error {
	c := make(chan struct{})
	select {
	case w.flush <- c:
	case <-w.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("nonblock: flush: %w", ctx.Err())
	}
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("nonblock: flush: %w", ctx.Err())
	}
}

// Close refuses further writes and lets the goroutine write what is queued
// and end; it does not wait (a stuck destination would hold it forever).
// Safe to call twice.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		close(w.stop)
	}
	return nil
}

// Stats are a Writer's counts since New.
type Stats struct {
	Written uint64 // writes the destination took
	Failed  uint64 // writes the destination refused
	Dropped uint64 // writes refused because the queue was full
	Queued  int    // writes waiting now
}

// Stats returns the counts so far.
func (w *Writer) Stats() Stats {
	return Stats{Written: w.written.Load(), Failed: w.failed.Load(), Dropped: w.dropped.Load(), Queued: len(w.queue)}
}
