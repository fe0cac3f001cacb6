package worker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
)

const (
	// readBlock is how long one Read waits on an empty queue; it is also
	// how late intake notices a shutdown.
	readBlock = time.Second
	// redisOpTimeout bounds one Redis call made outside a job's context.
	redisOpTimeout = 5 * time.Second
	// releaseGrace is how long cancelled jobs get to return and give
	// themselves back before the worker releases them itself.
	releaseGrace = 2 * time.Second
)

// Worker runs jobs from the queue. Build it with New and start it with Run.
type Worker struct {
	cfg    Config
	q      Queue
	runner Runner
	rec    *metrics.Worker
	log    *slog.Logger

	info     crawler.WorkerInfo // what each liveness mark tells, InFlight aside
	ran      atomic.Bool
	lastLoop atomic.Int64 // unix nanoseconds of the reader's last round

	// Set by Run before any goroutine starts.
	jobBase  context.Context // parent of every job's context; cancelled at hard stop
	redis    context.Context // parent of settling calls; cancelled when Run gives up
	slots    chan struct{}   // one token per fetching job (and its pause)
	settling chan struct{}   // one token per outcome being stored off its slot
	jobs     sync.WaitGroup  // running jobs
	inflight inflight
}

// New checks cfg and deps and returns a Worker ready to Run.
func New(cfg Config, deps Deps) (*Worker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, err
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	methods := []crawler.Method{crawler.MethodHTTP}
	if ml, ok := deps.Jobs.(methodLister); ok {
		methods = ml.Methods()
	}
	host, _ := os.Hostname()
	return &Worker{
		info: crawler.WorkerInfo{
			ID: cfg.ID, Process: cfg.Process, Host: host, PID: os.Getpid(), Concurrency: cfg.Concurrency,
			Methods: methods, Version: cfg.Version,
		},
		cfg:      cfg,
		q:        deps.Queue,
		runner:   deps.Jobs,
		rec:      deps.Metrics,
		log:      log.With("worker_id", cfg.ID),
		inflight: inflight{jobs: map[string]*running{}},
	}, nil
}

// ID is the worker's id in the queue.
func (w *Worker) ID() string { return w.cfg.ID }

// LastLoop is when the reader last came round its loop, for health
// checks; zero before Run. A live reader comes round at least once a read
// block while idle, once a backoff while Redis fails, and whenever a slot
// frees while busy, so a long gap means its slots are stuck.
func (w *Worker) LastLoop() time.Time {
	if n := w.lastLoop.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Run reads and runs jobs until ctx ends, then shuts down and returns nil.
// Redis being unreachable is logged and waited out, never returned.
func (w *Worker) Run(ctx context.Context) error {
	if !w.ran.CompareAndSwap(false, true) {
		return fmt.Errorf("worker: run %s: %w", w.cfg.ID, ErrAlreadyRun)
	}
	w.info.StartedAt = time.Now().UTC()
	base := context.WithoutCancel(ctx)
	jobBase, hardStop := context.WithCancel(base)
	defer hardStop()
	redisBase, stopRedis := context.WithCancel(base)
	defer stopRedis()
	w.jobBase, w.redis = jobBase, redisBase
	w.slots = make(chan struct{}, w.cfg.Concurrency)
	w.settling = make(chan struct{}, w.cfg.Concurrency)

	hkStop := make(chan struct{})
	hkDone := make(chan struct{})
	go func() {
		defer close(hkDone)
		w.housekeep(hkStop)
	}()
	w.log.Info("worker started", "concurrency", w.cfg.Concurrency, "interval", w.cfg.Interval)

	w.readLoop(ctx)

	// Shutdown order. Intake has stopped (readLoop returned, anything it
	// read late was released). In-flight jobs get DrainTimeout to finish,
	// with their leases still extended by housekeeping; then they are
	// cancelled and give themselves back, and whatever has not done so
	// within releaseGrace is released here. Housekeeping stops last, and
	// the liveness mark goes. Metrics are flushed by whoever owns the
	// MeterProvider, after Run returns.
	start := time.Now()
	if !waitTimeout(&w.jobs, w.cfg.DrainTimeout) {
		w.log.Warn("drain timeout: cancelling in-flight jobs", "in_flight", w.inflight.len(), "drain_timeout", w.cfg.DrainTimeout)
		hardStop()
		if !waitTimeout(&w.jobs, releaseGrace) {
			w.releaseLeft()
		}
	}
	stopRedis() // ends outcome retries against an unreachable Redis
	close(hkStop)
	<-hkDone

	rctx, cancel := context.WithTimeout(base, redisOpTimeout)
	defer cancel()
	if err := w.q.RemoveWorker(rctx, w.cfg.ID); err != nil {
		// Its liveness mark then expires on its own after 3 intervals.
		w.log.Warn("remove liveness mark", "error", err)
	}
	w.log.Info("worker stopped", "shutdown", time.Since(start).Round(time.Millisecond))
	return nil
}

// releaseLeft gives back the deliveries of jobs that ignored cancellation;
// the jobs, if they ever return, find themselves released and settle
// nothing.
func (w *Worker) releaseLeft() {
	left := w.inflight.takeAll()
	if len(left) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.jobBase), redisOpTimeout)
	defer cancel()
	if err := w.q.Release(ctx, left); err != nil {
		w.log.Error("release stuck jobs", "count", len(left), "error", err)
		return
	}
	for _, d := range left {
		w.log.Warn("job released: fetcher ignored cancellation", "job_id", d.Job.ID)
	}
}

// waitTimeout waits for wg up to d and reports whether it finished. On a
// timeout, its helper goroutine lives on until wg is done.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// sleepCtx waits d, or less when done closes; it reports whether d passed.
func sleepCtx(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
