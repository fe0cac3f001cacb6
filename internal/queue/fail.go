package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/schedule"
)

// maxErrorMessage bounds the error text kept in a record.
const maxErrorMessage = 1024

// Fail ends one attempt of a job that failed with cause. A retryable cause
// with attempts left in its budget (MaxAttempts, counted from the job's
// last operator retry) sends the job to the delayed set for a backoff,
// after which Read promotes it; anything else parks it in the failed set
// and its indexes, where its record (attempts, last error, the job itself)
// stays inspectable and retryable for FailedRetention, or until FailedMax
// newer failures push it out. It returns the job's new state, or
// ErrLeaseLost if the consumer no longer holds the delivery (another
// worker has it; nothing is changed).
func (q *Queue) Fail(ctx context.Context, d Delivery, cause error, retryable bool) (crawler.State, error) {
	state := crawler.StateFailed
	if retryable && d.Attempt-d.base < q.cfg.MaxAttempts {
		state = crawler.StateDelayed
	}
	msg := ""
	if cause != nil {
		msg = cause.Error()
		if len(msg) > maxErrorMessage {
			msg = msg[:maxErrorMessage]
		}
	}
	etype := crawler.TypeOf(cause)
	job, err := json.Marshal(d.Job)
	if err != nil {
		return "", fmt.Errorf("queue: fail %s: encode job: %w", d.Job.ID, err)
	}
	now := time.Now()
	var entry []byte
	if state == crawler.StateFailed && d.Job.Schedule != "" {
		entry, err = schedule.EncodeResult(crawler.Status{
			ID: d.Job.ID, State: state, Attempts: d.Attempt,
			Error: &crawler.JobError{Type: etype, Message: msg},
		}, now)
		if err != nil {
			return "", fmt.Errorf("queue: fail %s: encode schedule result: %w", d.Job.ID, err)
		}
	}
	r := record{State: state, Attempts: d.Attempt, Error: &crawler.JobError{Type: etype, Message: msg},
		Base: d.base, Schedule: d.Job.Schedule, Operator: d.operator}
	if state == crawler.StateFailed {
		r.Spec, r.Finished = string(job), now.UnixMilli()
	}
	rec, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("queue: fail %s: encode record: %w", d.Job.ID, err)
	}
	member := fmt.Sprintf("%s %d %s", d.Job.ID, d.Attempt+1, job)
	got, err := q.scripts.fail.Run(ctx, q.rdb,
		[]string{q.keys.stream, q.keys.delayed, q.keys.failed, q.keys.job(d.Job.ID), q.keys.schedule(d.Job.Schedule)},
		group, d.Consumer, d.StreamID, d.Job.ID, string(state), ms(q.backoff(d.Attempt-d.base)), member,
		rec, entry, q.cfg.ResultsPerSchedule, ms(q.cfg.RecordTTL),
		q.keys.base, string(etype), d.Job.Schedule, q.cfg.FailedMax, ms(q.cfg.FailedRetention),
	).Text()
	if err != nil {
		return "", fmt.Errorf("queue: fail %s: %w", d.Job.ID, keyspace.Classify(err))
	}
	if got == "lost" {
		return crawler.StateActive, fmt.Errorf("queue: fail %s: %w", d.Job.ID, ErrLeaseLost)
	}
	return crawler.State(got), nil
}

// backoff is "full jitter": uniform in [0, min(BackoffMax, BackoffBase·2^(attempt-1))],
// which spreads retries of jobs that failed together.
func (q *Queue) backoff(attempt int) time.Duration {
	ceil := q.cfg.BackoffMax
	if shift := attempt - 1; shift >= 0 && shift < 62 {
		if d := q.cfg.BackoffBase << shift; d > 0 && d>>shift == q.cfg.BackoffBase && d < ceil {
			ceil = d
		}
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}
