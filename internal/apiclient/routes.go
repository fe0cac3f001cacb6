package apiclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/schedule"
)

// JobRequest is one job of POST /v1/jobs.
type JobRequest struct {
	URL            string            `json:"url"`
	Method         crawler.Method    `json:"method,omitempty"`
	Rank           *crawler.RankSpec `json:"rank,omitempty"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
}

// SubmitJobs queues jobs and returns their ids in input order: one job is
// sent alone, more as a batch (all queued or none).
func (c *Client) SubmitJobs(ctx context.Context, jobs []JobRequest) ([]string, error) {
	if len(jobs) == 1 {
		var out struct {
			ID string `json:"id"`
		}
		if err := c.do(ctx, http.MethodPost, "/v1/jobs", jobs[0], &out); err != nil {
			return nil, err
		}
		return []string{out.ID}, nil
	}
	var out struct {
		IDs []string `json:"ids"`
	}
	in := struct {
		Jobs []JobRequest `json:"jobs"`
	}{jobs}
	if err := c.do(ctx, http.MethodPost, "/v1/jobs", in, &out); err != nil {
		return nil, err
	}
	return out.IDs, nil
}

// Job is GET /v1/jobs/{id}.
func (c *Client) Job(ctx context.Context, id string) (JobStatus, error) {
	var s JobStatus
	err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id), nil, &s)
	return s, err
}

// Queue is GET /v1/queue.
func (c *Client) Queue(ctx context.Context) (crawler.QueueCounts, error) {
	var q crawler.QueueCounts
	err := c.do(ctx, http.MethodGet, "/v1/queue", nil, &q)
	return q, err
}

// Schedules is GET /v1/schedules.
func (c *Client) Schedules(ctx context.Context) ([]schedule.Schedule, error) {
	var out struct {
		Schedules []schedule.Schedule `json:"schedules"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/schedules", nil, &out)
	return out.Schedules, err
}

// Schedule is GET /v1/schedules/{name}.
func (c *Client) Schedule(ctx context.Context, name string) (schedule.Schedule, error) {
	var s schedule.Schedule
	err := c.do(ctx, http.MethodGet, "/v1/schedules/"+url.PathEscape(name), nil, &s)
	return s, err
}

// DeleteSchedule is DELETE /v1/schedules/{name}.
func (c *Client) DeleteSchedule(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/v1/schedules/"+url.PathEscape(name), nil, nil)
}

// PauseSchedule is POST /v1/schedules/{name}/pause: the schedule stops
// firing until resumed.
func (c *Client) PauseSchedule(ctx context.Context, name string) (schedule.Schedule, error) {
	var s schedule.Schedule
	err := c.do(ctx, http.MethodPost, "/v1/schedules/"+url.PathEscape(name)+"/pause", c.action(), &s)
	return s, err
}

// ResumeSchedule is POST /v1/schedules/{name}/resume: the schedule fires
// again from its next time on; the fires missed while paused stay missed.
func (c *Client) ResumeSchedule(ctx context.Context, name string) (schedule.Schedule, error) {
	var s schedule.Schedule
	err := c.do(ctx, http.MethodPost, "/v1/schedules/"+url.PathEscape(name)+"/resume", c.action(), &s)
	return s, err
}

// TriggerSchedule is POST /v1/schedules/{name}/trigger: it enqueues the
// schedule's job now, paused or not, and returns the job's id.
func (c *Client) TriggerSchedule(ctx context.Context, name string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/schedules/"+url.PathEscape(name)+"/trigger", c.action(), &out)
	return out.ID, err
}
