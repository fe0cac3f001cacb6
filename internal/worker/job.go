package worker

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/jobtrace"
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
	var wait time.Duration
	if t := entryTime(d.StreamID); !t.IsZero() {
		wait = start.Sub(t)
	}
	ctx, span := jobtrace.StartAttempt(ctx, d.Job, d.Attempt, wait)
	res, method, err := w.runner.Run(ctx, d.Job)
	took := time.Since(start)
	if span.IsRecording() {
		span.SetAttributes(attribute.String(jobtrace.AttrMethod, string(method)))
	}
	defer func() { jobtrace.End(span, err) }()

	log := jobLog{ctx: ctx, l: w.log, attrs: []slog.Attr{slog.String("job_id", d.Job.ID), slog.Int("attempt", d.Attempt),
		slog.String("method", string(method)), slog.String("url", crawler.RedactURL(d.Job.URL)),
		slog.Duration("duration", took.Round(time.Millisecond))}}
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
			"error_type", etype, "error", err, "error_detail", crawler.Details(err), "store_error", serr)
	default:
		log.Warn("job failed", "status", "failed", "error_type", etype, "state", state, "error", err,
			"error_detail", crawler.Details(err))
	}
}

// settle runs op until it succeeds, the lease is lost, settleFor passes or
// the worker gives up on Redis, backing off between tries: a Redis restart
// mid-job must not turn a finished job into a rerun. Its span is the
// attempt's "store" step.
func (w *Worker) settle(log jobLog, op func(ctx context.Context) error) (err error) {
	_, span := jobtrace.Start(log.ctx, "store")
	defer func() { jobtrace.End(span, err) }()
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

func (w *Worker) release(log jobLog, d queue.Delivery) {
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
	if errors.Is(err, fetch.ErrNoBrowser) {
		return false
	}
	return crawler.TypeOf(err).Retryable()
}

// jobLog writes a job's log lines with the job's attributes. Unlike a
// Logger.With, which formats them for every job up front, it formats them
// only into the lines it writes: at thousands of jobs a second the per-job
// logger was a visible share of the worker's CPU.
type jobLog struct {
	ctx   context.Context // the attempt's: its lines carry its trace ids
	l     *slog.Logger
	attrs []slog.Attr
}

func (j jobLog) Info(msg string, args ...any)  { j.log(slog.LevelInfo, msg, args) }
func (j jobLog) Warn(msg string, args ...any)  { j.log(slog.LevelWarn, msg, args) }
func (j jobLog) Error(msg string, args ...any) { j.log(slog.LevelError, msg, args) }

func (j jobLog) log(level slog.Level, msg string, args []any) {
	if !j.l.Enabled(j.ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.AddAttrs(j.attrs...)
	r.Add(args...)
	_ = j.l.Handler().Handle(j.ctx, r)
}

// entryTime is when a stream entry was added, from its id ("ms-seq"); the
// zero time for an id of another shape.
func entryTime(streamID string) time.Time {
	ms, _, ok := strings.Cut(streamID, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
}
