package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// Bounds of GET /v1/schedules/{name}/results?limit=N.
const (
	defaultResults = 20
	maxResults     = 100
)

// scheduleInput is the body of POST /v1/schedules. An empty cron means the
// scheduler's default (SCHEDULER_CRON).
type scheduleInput struct {
	Name string   `json:"name"`
	Cron string   `json:"cron"`
	Job  *jobSpec `json:"job"`
}

// validate checks the schedule, filling in the job's default method.
func (in *scheduleInput) validate(c *checks) error {
	for _, err := range []error{schedule.ValidateName(in.Name), schedule.ValidateCron(in.Cron)} {
		var ie *schedule.InvalidError
		if errors.As(err, &ie) {
			c.add(ie.Field, "%s", ie.Reason)
		}
	}
	if in.Job == nil {
		c.add("job", "required: the job each fire enqueues")
	} else {
		in.Job.validate(c, "job.")
	}
	return c.err()
}

func (s *server) handleCreateSchedule() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in scheduleInput
		if err := s.decode(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := in.validate(newChecks(s.cfg.Policy)); err != nil {
			s.writeError(w, r, err)
			return
		}
		created, err := s.deps.Schedules.Put(r.Context(), schedule.Schedule{
			Name: in.Name, Cron: in.Cron,
			Job: schedule.Job{URL: in.Job.URL, Method: in.Job.Method, Rank: in.Job.Rank},
		})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Location", "/v1/schedules/"+url.PathEscape(created.Name))
		writeJSON(w, http.StatusCreated, created)
	})
}

func (s *server) handleListSchedules() http.Handler {
	return handleWholeList(s, "schedules", func(ctx context.Context) ([]schedule.Schedule, error) { return s.deps.Schedules.List(ctx) })
}

func (s *server) handleGetSchedule() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sch, err := s.schedule(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, sch)
	})
}

func (s *server) handleDeleteSchedule() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if schedule.ValidateName(name) != nil {
			s.writeError(w, r, schedule.ErrNotFound)
			return
		}
		if err := s.deps.Schedules.Delete(r.Context(), name); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *server) handleScheduleResults() http.Handler {
	type response struct {
		Results []schedule.Result `json:"results"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := defaultResults
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxResults {
				s.writeError(w, r, &Error{Code: codeInvalid, Message: "bad limit",
					Fields: map[string]string{"limit": "must be a whole number from 1 to " + strconv.Itoa(maxResults)}})
				return
			}
			limit = n
		}
		sch, err := s.schedule(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		results, err := s.deps.Schedules.Results(r.Context(), sch.Name, limit)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if results == nil {
			results = []schedule.Result{}
		}
		writeJSON(w, http.StatusOK, response{Results: results})
	})
}

// schedule loads the schedule the path names; a name that could never
// have been stored is simply not found.
func (s *server) schedule(r *http.Request) (schedule.Schedule, error) {
	name := r.PathValue("name")
	if schedule.ValidateName(name) != nil {
		return schedule.Schedule{}, schedule.ErrNotFound
	}
	return s.deps.Schedules.Get(r.Context(), name)
}

// handleSetSchedulePaused answers POST /v1/schedules/{name}/pause and
// /resume with the schedule. Both are idempotent: repeating one answers
// the same schedule and counts an action that changed nothing.
func (s *server) handleSetSchedulePaused(paused bool) http.Handler {
	action := metrics.ActionScheduleResume
	if paused {
		action = metrics.ActionSchedulePause
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, operator, ok := s.scheduleAction(w, r)
		if !ok {
			return
		}
		sch, changed, err := s.deps.Schedules.SetPaused(r.Context(), name, paused, time.Now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.operatorAction(r.Context(), action, operator, "schedule "+name, changes(changed))
		writeJSON(w, http.StatusOK, sch)
	})
}

// scheduleAction reads what a schedule's action names: the schedule, and
// the operator from the optional body. A name that could never be stored
// is 404 before the body is read. On false the error is written.
func (s *server) scheduleAction(w http.ResponseWriter, r *http.Request) (name, operator string, ok bool) {
	name = r.PathValue("name")
	if schedule.ValidateName(name) != nil {
		s.writeError(w, r, schedule.ErrNotFound)
		return "", "", false
	}
	operator, err := s.actionOperator(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return "", "", false
	}
	return name, operator, true
}

// handleTriggerSchedule answers POST /v1/schedules/{name}/trigger: it
// enqueues the schedule's job now, paused or not, as a fire would, so the
// job's end joins the schedule's results. Each call is a new job.
func (s *server) handleTriggerSchedule() http.Handler {
	type response struct {
		ID string `json:"id"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, operator, ok := s.scheduleAction(w, r)
		if !ok {
			return
		}
		sch, err := s.deps.Schedules.Get(r.Context(), name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ids, err := s.deps.Jobs.Enqueue(r.Context(), []queue.EnqueueRequest{{Job: sch.CrawlJob()}})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if len(ids) != 1 {
			s.writeError(w, r, errors.New("api: trigger: enqueue returned "+strconv.Itoa(len(ids))+" ids"))
			return
		}
		s.operatorAction(r.Context(), metrics.ActionScheduleTrigger, operator, "schedule "+name, 1, "job", ids[0])
		writeJSON(w, http.StatusAccepted, response{ID: ids[0]})
	})
}
