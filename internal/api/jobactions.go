package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// The operators' routes on jobs: retry, cancel and delete one job, retry
// and purge failed jobs in bulk, and the queue's throughput by minute.
// Every action names its operator, self-declared (one shared token), for
// the log and the job's record.

// failedActionInput is the optional body of POST /v1/queue/failed/retry
// and /purge.
type failedActionInput struct {
	ErrorType *string `json:"error_type"`
	Schedule  *string `json:"schedule"`
	Limit     *int    `json:"limit"`
	Operator  *string `json:"operator"`
}

// filter checks the input and returns the queue's filter and the operator.
func (in failedActionInput) filter() (queue.FailedFilter, string, error) {
	var f queue.FailedFilter
	var fe fieldErrors
	if in.ErrorType != nil {
		f.ErrorType = crawler.ErrorType(*in.ErrorType)
		if !slices.Contains(crawler.ErrorTypes, f.ErrorType) {
			fe.add("error_type", "not an error type; see the API reference")
		}
	}
	if in.Schedule != nil {
		f.Schedule = *in.Schedule
		if schedule.ValidateName(f.Schedule) != nil {
			fe.add("schedule", "not a schedule name")
		}
	}
	f.Limit = queue.MaxFailedAction
	if in.Limit != nil {
		f.Limit = *in.Limit
		if f.Limit < 1 || f.Limit > queue.MaxFailedAction {
			fe.add("limit", "must be from 1 to %d", queue.MaxFailedAction)
		}
	}
	operator, err := checkOperator(in.Operator)
	if err != nil {
		fe.add("operator", "%s", err)
	}
	return f, operator, fe.err()
}

// handleJobAction answers POST /v1/jobs/{id}/retry and /cancel with the
// job's Status.
func (s *server) handleJobAction(action string, act func(r *http.Request, id, operator string) (crawler.Status, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		operator, err := s.actionOperator(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !validJobID(id) {
			s.writeError(w, r, queue.ErrNotFound)
			return
		}
		st, err := act(r, id, operator)
		n := 1
		var conflict *queue.StateError
		if errors.As(err, &conflict) {
			n = 0 // refused: counted as an action that changed nothing
		} else if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.operatorAction(r.Context(), action, operator, "job "+id, n)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
}

// handleDeleteJob answers DELETE /v1/jobs/{id}?operator=name with 204.
func (s *server) handleDeleteJob() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var name *string
		if q := r.URL.Query(); q.Has("operator") {
			v := q.Get("operator")
			name = &v
		}
		operator, err := checkOperator(name)
		if err != nil {
			s.writeError(w, r, &Error{Code: codeInvalid, Message: "bad query", Fields: map[string]string{"operator": err.Error()}})
			return
		}
		if !validJobID(id) {
			s.writeError(w, r, queue.ErrNotFound)
			return
		}
		if err := s.deps.Jobs.Delete(r.Context(), id); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.operatorAction(r.Context(), metrics.ActionDelete, operator, "job "+id, 1)
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleFailedAction answers POST /v1/queue/failed/retry and /purge: the
// jobs taken, under key ("moved" or "deleted"), and those still matching;
// a retry also the matching jobs it could not retry ("skipped").
func (s *server) handleFailedAction(action, key string, act func(r *http.Request, f queue.FailedFilter, operator string) (queue.Taken, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in failedActionInput
		if err := s.decodeOptional(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		f, operator, err := in.filter()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		// One bulk action at a time per process: each reads up to the
		// whole failed set (in bounded script calls), and a burst of them
		// would only queue those calls in Redis behind each other.
		select {
		case s.bulk <- struct{}{}:
			defer func() { <-s.bulk }()
		case <-r.Context().Done():
			s.writeError(w, r, errorf(codeUnavailable, "another bulk action on failed jobs ran past this request's time; retry later"))
			return
		}
		got, err := act(r, f, operator)
		// A batch that failed midway has moved what it moved: count it.
		s.operatorAction(r.Context(), action, operator, failedTarget(f), got.Jobs)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := map[string]int64{key: int64(got.Jobs), "remaining": got.Remaining}
		if action == metrics.ActionRetryFailed {
			out["skipped"] = int64(got.Skipped)
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// failedTarget names what a bulk action took, for the log.
func failedTarget(f queue.FailedFilter) string {
	t := "failed jobs"
	if f.ErrorType != "" {
		t += " of type " + string(f.ErrorType)
	}
	if f.Schedule != "" {
		t += " of schedule " + f.Schedule
	}
	return t
}

// Bounds of GET /v1/queue/throughput?minutes=N.
const defaultThroughputMinutes = 15

func (s *server) handleThroughput() http.Handler {
	type response struct {
		Minutes []queue.MinuteCounts `json:"minutes"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := defaultThroughputMinutes
		if v := r.URL.Query().Get("minutes"); v != "" {
			var err error
			n, err = strconv.Atoi(v)
			if err != nil || n < 1 || n > queue.MaxThroughputMinutes {
				s.writeError(w, r, &Error{Code: codeInvalid, Message: "bad query", Fields: map[string]string{
					"minutes": "must be a whole number from 1 to " + strconv.Itoa(queue.MaxThroughputMinutes)}})
				return
			}
		}
		ms, err := s.deps.Jobs.Throughput(r.Context(), n)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, response{Minutes: ms})
	})
}

// stateConflict says why a job's state refused an operator's action.
func stateConflict(e *queue.StateError) string {
	switch {
	case e.Op == "retry":
		return fmt.Sprintf("job %s is %s; only a failed job can be retried", e.ID, e.State)
	case e.Op == "delete" && e.State == crawler.StateActive:
		return fmt.Sprintf("job %s is active; a worker holds it: delete it once it has ended", e.ID)
	case e.Op == "delete":
		return fmt.Sprintf("job %s is %s; only a failed, completed or canceled job can be deleted (cancel it first)", e.ID, e.State)
	case e.Op == "cancel" && e.State == crawler.StateActive:
		return fmt.Sprintf("job %s is active; a worker holds it and it cannot be canceled", e.ID)
	case e.Op == "cancel":
		return fmt.Sprintf("job %s is %s; only a waiting or delayed job can be canceled", e.ID, e.State)
	}
	return fmt.Sprintf("job %s is %s", e.ID, e.State)
}

func (s *server) retryJob(r *http.Request, id, operator string) (crawler.Status, error) {
	return s.deps.Jobs.Retry(r.Context(), id, operator)
}

func (s *server) cancelJob(r *http.Request, id, operator string) (crawler.Status, error) {
	return s.deps.Jobs.Cancel(r.Context(), id, operator)
}

func (s *server) retryFailed(r *http.Request, f queue.FailedFilter, operator string) (queue.Taken, error) {
	return s.deps.Jobs.RetryFailed(r.Context(), f, operator)
}

func (s *server) purgeFailed(r *http.Request, f queue.FailedFilter, _ string) (queue.Taken, error) {
	return s.deps.Jobs.PurgeFailed(r.Context(), f)
}
