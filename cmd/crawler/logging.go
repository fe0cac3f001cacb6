package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/crawler-service/crawler/otel"
	"github.com/crawler-service/crawler/otel/nonblock"
)

// logQueueLines bounds the log lines waiting for a slow stderr.
const logQueueLines = 4096

// newLogger logs JSON, or text when stderr is a terminal, unless format
// says. Off a terminal, lines go through a bounded queue, so a log driver
// that blocks (awslogs in blocking mode, a full pipe) drops lines, counted,
// instead of stalling jobs; close flushes the queue for up to a few
// seconds and reports what was dropped.
func newLogger(format string, w io.Writer) (log *slog.Logger, close func()) {
	terminal := false
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		terminal = true
	}
	if format == "" {
		format = "json"
		if terminal {
			format = "text"
		}
	}
	close = func() {}
	if !terminal {
		q := nonblock.New(w, logQueueLines)
		w, close = q, func() {
			if n := q.Stats().Dropped; n > 0 {
				fmt.Fprintf(q, `{"level":"WARN","msg":"log lines dropped: stderr blocked","dropped":%d}`+"\n", n)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_ = q.FlushContext(ctx)
			_ = q.Close()
		}
	}
	// Lines logged with a traced context carry its trace_id and span_id.
	if format == "text" {
		return slog.New(otel.LogHandler(slog.NewTextHandler(w, nil))), close
	}
	return slog.New(otel.LogHandler(slog.NewJSONHandler(w, nil))), close
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
