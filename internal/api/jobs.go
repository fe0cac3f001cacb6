package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// createJobsRequest is one job, or a batch under "jobs".
type createJobsRequest struct {
	URL            string            `json:"url"`
	Method         crawler.Method    `json:"method"`
	Rank           *crawler.RankSpec `json:"rank"`
	IdempotencyKey string            `json:"idempotency_key"`
	Jobs           []jobInput        `json:"jobs"`
}

// validate checks the request's shape and every job in it, filling in
// defaults, and returns the jobs in input order. Batch fields are named
// "jobs[3].url". It stops between jobs once ctx ends.
func (req *createJobsRequest) validate(ctx context.Context, c *checks, maxBatch int) ([]jobInput, error) {
	if req.Jobs == nil {
		in := jobInput{URL: req.URL, Method: req.Method, Rank: req.Rank, IdempotencyKey: req.IdempotencyKey}
		in.validate(c, "")
		return []jobInput{in}, c.err()
	}
	switch {
	case req.URL != "" || req.Method != "" || req.Rank != nil || req.IdempotencyKey != "":
		c.add("jobs", "send one job or a jobs list, not both")
	case len(req.Jobs) == 0:
		c.add("jobs", "must hold at least one job")
	case len(req.Jobs) > maxBatch:
		c.add("jobs", "at most %d jobs per request, got %d", maxBatch, len(req.Jobs))
	default:
		for i := range req.Jobs {
			if ctx.Err() != nil {
				return nil, uncheckedError()
			}
			req.Jobs[i].validate(c, "jobs["+strconv.Itoa(i)+"].")
		}
	}
	return req.Jobs, c.err()
}

// clientKeyPrefix puts client keys apart, so that no client can collide
// with the scheduler's "schedule:" keys.
const clientKeyPrefix = "api:"

// enqueueRequest makes a queue request. The queue compares the job, as
// validation left it (default method filled in), to the one first
// enqueued under the key.
func enqueueRequest(in jobInput) queue.EnqueueRequest {
	r := queue.EnqueueRequest{Job: crawler.Job{URL: in.URL, Method: in.Method, Rank: in.Rank}}
	if in.IdempotencyKey != "" {
		r.IdempotencyKey = clientKeyPrefix + in.IdempotencyKey
	}
	return r
}

// conflictField names, in a batch, the job whose key conflicts.
func conflictField(err error) error {
	var conflict *queue.IdempotencyConflictError
	if !errors.As(err, &conflict) {
		return err
	}
	e := toError(err)
	e.Fields = map[string]string{"jobs[" + strconv.Itoa(conflict.Index) + "].idempotency_key": e.Fields["idempotency_key"]}
	return e
}

func (s *server) handleCreateJobs() http.Handler {
	type oneResponse struct {
		ID string `json:"id"`
	}
	type batchResponse struct {
		IDs []string `json:"ids"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req createJobsRequest
		if err := s.decode(w, r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		inputs, err := req.validate(r.Context(), newChecks(s.cfg.Policy), s.cfg.MaxBatch)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		reqs := make([]queue.EnqueueRequest, len(inputs))
		for i, in := range inputs {
			reqs[i] = enqueueRequest(in)
		}
		ids, err := s.deps.Jobs.Enqueue(r.Context(), reqs)
		if err == nil && len(ids) != len(reqs) {
			err = fmt.Errorf("api: enqueue %d jobs: got %d ids", len(reqs), len(ids))
		}
		if err != nil {
			if req.Jobs != nil {
				err = conflictField(err)
			}
			s.writeError(w, r, err)
			return
		}
		if req.Jobs == nil {
			writeJSON(w, http.StatusAccepted, oneResponse{ID: ids[0]})
			return
		}
		writeJSON(w, http.StatusAccepted, batchResponse{IDs: ids})
	})
}

func (s *server) handleGetJob() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !validJobID(id) {
			s.writeError(w, r, queue.ErrNotFound) // no id of that shape was ever issued
			return
		}
		st, err := s.deps.Jobs.Status(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
}

// validJobID accepts the queue's ids (26 lower-case base32 characters)
// with room to change their length, and the stream ids ("1733…-0") under
// which a queue entry that could not be decoded was parked as failed, so
// every id a list shows can be asked for; and keeps junk out of Redis keys.
func validJobID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}
