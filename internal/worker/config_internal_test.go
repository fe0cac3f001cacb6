package worker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric/noop"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/queue"
)

// nopQueue is a queue that holds nothing and accepts everything.
type nopQueue struct{}

func (nopQueue) Read(context.Context, string, int, time.Duration) ([]queue.Delivery, error) {
	return nil, nil
}
func (nopQueue) Extend(context.Context, string, []queue.Delivery) ([]queue.Delivery, error) {
	return nil, nil
}
func (nopQueue) Complete(context.Context, queue.Delivery, crawler.Result) error { return nil }
func (nopQueue) Fail(context.Context, queue.Delivery, error, bool) (crawler.State, error) {
	return crawler.StateFailed, nil
}
func (nopQueue) Release(context.Context, []queue.Delivery) error                    { return nil }
func (nopQueue) Heartbeat(context.Context, crawler.WorkerInfo, time.Duration) error { return nil }
func (nopQueue) RemoveWorker(context.Context, string) error                         { return nil }

func TestNew(t *testing.T) {
	t.Parallel()
	m, err := metrics.NewWorker(noop.NewMeterProvider())
	if err != nil {
		t.Fatal(err)
	}
	full := Deps{Queue: nopQueue{}, Jobs: nopRunner{}, Metrics: m}
	tests := []struct {
		name    string
		cfg     Config
		deps    func(Deps) Deps
		wantErr error
	}{
		{name: "defaults", deps: func(d Deps) Deps { return d }},
		{name: "negative concurrency", cfg: Config{Concurrency: -1}, deps: func(d Deps) Deps { return d }, wantErr: ErrInvalidConfig},
		{name: "negative interval", cfg: Config{Interval: -time.Second}, deps: func(d Deps) Deps { return d }, wantErr: ErrInvalidConfig},
		{name: "no queue", deps: func(d Deps) Deps { d.Queue = nil; return d }, wantErr: ErrInvalidConfig},
		{name: "no runner", deps: func(d Deps) Deps { d.Jobs = nil; return d }, wantErr: ErrInvalidConfig},
		{name: "no metrics", deps: func(d Deps) Deps { d.Metrics = nil; return d }, wantErr: ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := New(tt.cfg, tt.deps(full))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			want := Config{ID: w.cfg.ID, Concurrency: 4, HeartbeatInterval: 5 * time.Minute, LivenessInterval: 10 * time.Second,
				Lease: 30 * time.Second, DrainTimeout: 15 * time.Second}
			if w.cfg != want || strings.Count(w.ID(), "-") < 2 {
				t.Errorf("config = %+v, want %+v with a host-pid-random id", w.cfg, want)
			}
		})
	}
}

func TestRunTwice(t *testing.T) {
	t.Parallel()
	m, err := metrics.NewWorker(noop.NewMeterProvider())
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{}, Deps{Queue: nopQueue{}, Jobs: nopRunner{}, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Run(ctx); err != nil {
		t.Fatalf("first Run on a cancelled context = %v, want nil", err)
	}
	if err := w.Run(ctx); !errors.Is(err, ErrAlreadyRun) {
		t.Fatalf("second Run = %v, want ErrAlreadyRun", err)
	}
}

type nopRunner struct{}

func (nopRunner) Run(context.Context, crawler.Job) (crawler.Result, crawler.Method, error) {
	return crawler.Result{}, crawler.MethodHTTP, nil
}
