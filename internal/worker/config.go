package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/queue"
)

// Config tunes a Worker. Every zero field means the default named on it.
type Config struct {
	// ID names this worker in the queue (consumer name and liveness).
	// Zero means NewID().
	ID string
	// Concurrency is how many jobs run at once (WORKER_CONCURRENCY). Zero
	// means 4.
	Concurrency int
	// Interval is the pause after each job in a slot (WORKER_INTERVAL_MS).
	Interval time.Duration
	// HeartbeatInterval is the period of the WorkerHeartbeat metric
	// (HEARTBEAT_INTERVAL). Zero means 5m.
	HeartbeatInterval time.Duration
	// LivenessInterval is how often the worker marks itself alive in Redis;
	// the mark lasts three intervals. Zero means 10s.
	LivenessInterval time.Duration
	// Lease must be the queue's lease: in-flight jobs are extended every
	// Lease/3. Zero means 30s, the queue's default.
	Lease time.Duration
	// Process and Version are told with each liveness mark, for GET
	// /v1/workers: the process kind ("worker" or "all") and the build.
	Process string
	Version string
	// DrainTimeout is how long in-flight jobs may run on after Run's
	// context ends before they are cancelled and given back. Run returns
	// within about DrainTimeout+5s (the last read, two short grace periods
	// for cancelled jobs, the liveness removal), so set it that far below
	// SHUTDOWN_TIMEOUT. Zero means 15s.
	DrainTimeout time.Duration
}

// Queue is what the worker needs of the queue; *queue.Queue has it.
type Queue interface {
	Read(ctx context.Context, consumer string, n int, block time.Duration) ([]queue.Delivery, error)
	Extend(ctx context.Context, consumer string, ds []queue.Delivery) ([]queue.Delivery, error)
	Complete(ctx context.Context, d queue.Delivery, result crawler.Result) error
	Fail(ctx context.Context, d queue.Delivery, cause error, retryable bool) (crawler.State, error)
	Release(ctx context.Context, ds []queue.Delivery) error
	Heartbeat(ctx context.Context, info crawler.WorkerInfo, ttl time.Duration) error
	RemoveWorker(ctx context.Context, workerID string) error
}

var _ Queue = (*queue.Queue)(nil)

// Deps are the worker's collaborators. Queue, Jobs and Metrics are
// required.
type Deps struct {
	Queue Queue
	// Jobs runs each job: the fetch pipeline.
	Jobs    Runner
	Metrics *metrics.Worker
	// Logger receives one line per job and the worker's troubles; nil
	// discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.ID == "" {
		c.ID = NewID()
	}
	if c.Concurrency == 0 {
		c.Concurrency = 4
	}
	def(&c.HeartbeatInterval, 5*time.Minute)
	def(&c.LivenessInterval, 10*time.Second)
	def(&c.Lease, 30*time.Second)
	def(&c.DrainTimeout, 15*time.Second)
	return c
}

func (c Config) validate() error {
	switch {
	case c.Concurrency < 0:
		return fmt.Errorf("worker: concurrency %d: %w", c.Concurrency, ErrInvalidConfig)
	case c.Interval < 0, c.HeartbeatInterval < 0, c.LivenessInterval < 0, c.Lease < 0, c.DrainTimeout < 0:
		return fmt.Errorf("worker: negative duration in %+v: %w", c, ErrInvalidConfig)
	}
	return nil
}

func (d Deps) validate() error {
	switch {
	case d.Queue == nil:
		return fmt.Errorf("worker: no queue: %w", ErrInvalidConfig)
	case d.Jobs == nil:
		return fmt.Errorf("worker: no job runner: %w", ErrInvalidConfig)
	case d.Metrics == nil:
		return fmt.Errorf("worker: no metrics: %w", ErrInvalidConfig)
	}
	return nil
}

// NewID returns a worker id of the form host-pid-random: readable in
// logs, and unique even for two workers with one host name and pid (two
// containers).
func NewID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
