package nonblock_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/otel/nonblock"
)

// A pipe nobody reads: writes to it block once its buffer is full. Every
// Write returns at once, what does not fit is dropped and counted, and
// Flush gives up with its context.
func TestStuckDestinationNeverBlocks(t *testing.T) {
	t.Parallel()
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); pw.Close() })
	w := nonblock.New(pw, 16)
	defer w.Close()
	line := bytes.Repeat([]byte("x"), 4095)
	line = append(line, '\n')
	const n = 1000 // 4 MB: far beyond a pipe's buffer
	start := time.Now()
	var full int
	for range n {
		if _, err := w.Write(line); errors.Is(err, nonblock.ErrFull) {
			full++
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("%d writes took %v", n, d)
	}
	st := w.Stats()
	if full == 0 || st.Dropped != uint64(full) {
		t.Errorf("ErrFull %d times, Stats.Dropped %d: want equal and > 0", full, st.Dropped)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.FlushContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush on a stuck pipe = %v, want the deadline", err)
	}
}

func TestWritesArriveInOrder(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	w := nonblock.New(&buf, 1000)
	for _, s := range []string{"a\n", "b\n", "c\n"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.FlushContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "a\nb\nc\n" {
		t.Errorf("got %q", got)
	}
	w.Close()
	w.Close()
	if _, err := w.Write([]byte("d\n")); !errors.Is(err, nonblock.ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
