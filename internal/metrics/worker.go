package metrics

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Worker holds a worker's instruments. Its recording methods build no
// attribute set at run time: every combination of the bounded attributes is
// prepared once, so recording a job costs no allocation.
type Worker struct {
	duration  metric.Float64Histogram
	completed metric.Int64Counter
	errors    metric.Int64Counter
	heartbeat metric.Int64Counter

	// Indexed by statusIndex and methodIndex: arrays, not maps, keep the
	// hot path within a few nanoseconds of the raw SDK call.
	durationOpts  [2][][]metric.RecordOption // [status][index in crawler.FetchMethods]
	completedOpts [2][]metric.AddOption
	errorOpts     map[crawler.ErrorType][]metric.AddOption
}

func statusIndex(success bool) int {
	if success {
		return 0
	}
	return 1
}

// methodIndex is m's place in crawler.FetchMethods, or -1: a method that
// is not there has no attribute set, so it cannot be recorded under
// another's name.
func methodIndex(m crawler.Method) int { return slices.Index(crawler.FetchMethods, m) }

// Scope is the instrumentation scope of the crawler's own instruments.
const Scope = "github.com/crawler-service/crawler"

// NewWorker creates the worker's instruments from the table. Its counters
// start at zero for every status and error type.
func NewWorker(mp metric.MeterProvider) (*Worker, error) {
	m := mp.Meter(Scope)
	w := &Worker{errorOpts: map[crawler.ErrorType][]metric.AddOption{}}
	var errs [4]error
	w.duration, errs[0] = float64Histogram(m, JobDuration)
	w.completed, errs[1] = int64Counter(m, JobsCompleted)
	w.errors, errs[2] = int64Counter(m, WorkerErrors)
	w.heartbeat, errs[3] = int64Counter(m, WorkerHeartbeat)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("metrics: worker instruments: %w", err)
	}
	for _, success := range []bool{true, false} {
		st := StatusSuccess
		if !success {
			st = StatusFailed
		}
		si := statusIndex(success)
		w.durationOpts[si] = make([][]metric.RecordOption, len(crawler.FetchMethods))
		for mi, md := range crawler.FetchMethods {
			set := attribute.NewSet(attribute.String(AttrStatus, st), attribute.String(AttrMethod, string(md)))
			w.durationOpts[si][mi] = []metric.RecordOption{metric.WithAttributeSet(set)}
		}
		w.completedOpts[si] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrStatus, st)))}
	}
	for _, t := range crawler.ErrorTypes {
		w.errorOpts[t] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrErrorType, string(t))))}
	}
	startAtZero(w.completed, JobsCompleted)
	startAtZero(w.errors, WorkerErrors)
	startAtZero(w.heartbeat, WorkerHeartbeat)
	return w, nil
}

// JobDone records one finished job attempt. errType is ignored on success;
// an unknown error type is recorded as internal so the attribute sets stay
// bounded. A method that fetches nothing (a job refused before any fetch
// had a method that no fetcher has) counts the job and its error but has
// no duration: there is no method to file it under.
func (w *Worker) JobDone(ctx context.Context, seconds float64, method crawler.Method, errType crawler.ErrorType, success bool) {
	si := statusIndex(success)
	if mi := methodIndex(method); mi >= 0 {
		w.duration.Record(ctx, seconds, w.durationOpts[si][mi]...)
	}
	w.completed.Add(ctx, 1, w.completedOpts[si]...)
	if !success {
		eo, ok := w.errorOpts[errType]
		if !ok {
			eo = w.errorOpts[crawler.ErrInternal]
		}
		w.errors.Add(ctx, 1, eo...)
	}
}

// Heartbeat records one heartbeat.
func (w *Worker) Heartbeat(ctx context.Context) { w.heartbeat.Add(ctx, 1) }
