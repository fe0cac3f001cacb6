package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// settleFor bounds how long a job's outcome is retried against an
// unreachable Redis. Past the lease the job is another worker's anyway.
func (w *Worker) settleFor() time.Duration { return w.cfg.Lease }

// process runs one delivery and settles it: complete, fail, or (when a
// hard stop interrupted it) release. It calls fetched when the fetch is
// over and the outcome is about to be stored.
func (w *Worker) process(d queue.Delivery, fetched func()) {
	ctx, cancel := context.WithCancel(w.jobBase)
	defer cancel()
	w.inflight.add(d, cancel)

	start := time.Now()
	res, method, err := w.fetch(ctx, d.Job)
	took := time.Since(start)

	log := w.log.With("job_id", d.Job.ID, "attempt", d.Attempt, "method", method,
		"url", crawler.RedactURL(d.Job.URL), "duration", took.Round(time.Millisecond))
	owned, lost := w.inflight.finish(d.StreamID)
	switch {
	case !owned:
		return // shutdown released it already
	case lost:
		log.Warn("job abandoned: its lease went to another worker")
		return
	case err != nil && w.jobBase.Err() != nil:
		// Cancelled by the hard stop: not the site's fault, so no attempt
		// is counted and another worker runs it from the start.
		w.release(log, d)
		return
	}
	fetched()

	secs := took.Seconds()
	if err == nil {
		if res.DurationMS == 0 {
			res.DurationMS = took.Milliseconds()
		}
		w.rec.JobDone(context.WithoutCancel(ctx), secs, method, "", true)
		err := w.settle(log, func(ctx context.Context) error { return w.q.Complete(ctx, d, res) })
		switch {
		case errors.Is(err, queue.ErrLeaseLost):
			log.Warn("job done but its lease was lost", "status", "success")
		case err != nil:
			log.Error("job done but its result was not stored; it will run again", "status", "success", "error", err)
		default:
			log.Info("job done", "status", "success", "http_status", res.Status)
		}
		return
	}

	etype := crawler.TypeOf(err)
	retry := retryable(err)
	w.rec.JobDone(context.WithoutCancel(ctx), secs, method, etype, false)
	var state crawler.State
	cause := err
	serr := w.settle(log, func(ctx context.Context) error {
		var ferr error
		state, ferr = w.q.Fail(ctx, d, cause, retry)
		return ferr
	})
	switch {
	case errors.Is(serr, queue.ErrLeaseLost):
		log.Warn("job failed and its lease was lost", "status", "failed", "error_type", etype, "error", err)
	case serr != nil:
		log.Error("job failed but the failure was not stored; it will run again", "status", "failed",
			"error_type", etype, "error", err, "store_error", serr)
	default:
		log.Warn("job failed", "status", "failed", "error_type", etype, "state", state, "error", err)
	}
}

// settle runs op until it succeeds, the lease is lost, settleFor passes or
// the worker gives up on Redis, backing off between tries: a Redis restart
// mid-job must not turn a finished job into a rerun.
func (w *Worker) settle(log *slog.Logger, op func(ctx context.Context) error) error {
	deadline := time.Now().Add(w.settleFor())
	backoff := readBackoffMin
	for {
		ctx, cancel := context.WithTimeout(w.redis, redisOpTimeout)
		err := op(ctx)
		cancel()
		if err == nil || errors.Is(err, queue.ErrLeaseLost) || time.Now().Add(backoff).After(deadline) {
			return err
		}
		log.Warn("storing job outcome failed; retrying", "error", err, "backoff", backoff)
		if !sleepCtx(w.redis.Done(), backoff) {
			return err
		}
		backoff = min(2*backoff, readBackoffMax)
	}
}

func (w *Worker) release(log *slog.Logger, d queue.Delivery) {
	ctx, cancel := context.WithTimeout(w.redis, redisOpTimeout)
	defer cancel()
	if err := w.q.Release(ctx, []queue.Delivery{d}); err != nil {
		log.Warn("release interrupted job", "error", err)
		return
	}
	log.Info("job released at shutdown")
}

// retryable says whether a failed attempt should be retried: by its error
// type, except for failures no retry can mend on any worker of this build.
func retryable(err error) bool {
	if errors.Is(err, ErrBrowserUnavailable) || errors.Is(err, ErrUnknownMethod) {
		return false
	}
	return crawler.TypeOf(err).Retryable()
}
