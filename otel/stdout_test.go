package otel_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/otel"
	"github.com/crawler-service/crawler/otel/nonblock"
)

// TestBlockedStdoutDoesNotStallJobs: stdout is a pipe nobody reads, as under
// awslogs in blocking mode when CloudWatch Logs does not take lines. EMF
// lines and each job's log line go to it. Jobs still finish in bounded
// time, the provider shuts down within its deadline, and what was lost is
// counted: EMF lines as writer_blocked in the exporter-health counter, log
// lines by the log writer's queue.
func TestBlockedStdoutDoesNotStallJobs(t *testing.T) {
	t.Parallel()
	r, stdout, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); stdout.Close() })

	cfg, _ := testConfig(t, "prometheus", "emf")
	cfg.EMF.Writer = stdout
	cfg.ExportInterval = 5 * time.Millisecond
	p, err := otel.Setup(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	logs := nonblock.New(stdout, 64)
	defer logs.Close()
	log := slog.New(slog.NewJSONHandler(logs, nil))
	w := newWorkload(t, p.MeterProvider())

	const jobs = 400
	detail := strings.Repeat("x", 2048) // fills the pipe's buffer within a few dozen jobs
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for i := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.job(context.Background(), "success", "http", 0.1)
				log.Info("job done", "n", i, "detail", detail)
			}()
			if i%50 == 0 {
				time.Sleep(10 * time.Millisecond) // let the reader export meanwhile
			}
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("jobs stalled on a blocked stdout")
	}
	if st := logs.Stats(); st.Dropped == 0 {
		t.Errorf("log lines dropped = 0 (stats %+v), want the ones the pipe could not take", st)
	}
	var blocked float64
	deadline := time.Now().Add(5 * time.Second)
	for blocked <= 0 && time.Now().Before(deadline) {
		blocked = gaugeOrCounter(scrape(t, p.PrometheusHandler()), "metrics_exporter_points_dropped_total",
			map[string]string{"exporter": "emf", "reason": "writer_blocked"})
		if blocked <= 0 { // more jobs, more lines, until an export finds the queue full
			w.job(context.Background(), "failed", "http", 0.1)
			time.Sleep(5 * time.Millisecond)
		}
	}
	if blocked <= 0 {
		t.Errorf("EMF datums dropped as writer_blocked = %g, want > 0", blocked)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err = p.Shutdown(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v on a blocked stdout, want its 1s deadline", d)
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want nil or the deadline", err)
	}
}
