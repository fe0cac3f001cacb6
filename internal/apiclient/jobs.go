package apiclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/crawler-service/crawler/internal/crawler"
)

// JobStatus is a job as GET /v1/jobs/{id} and GET /v1/jobs show it. It
// keeps the answer's own JSON, so printing it again loses nothing the API
// sent, fields newer than this client included.
type JobStatus struct {
	crawler.Status
	raw json.RawMessage
}

// UnmarshalJSON decodes a job and keeps its JSON.
func (j *JobStatus) UnmarshalJSON(b []byte) error {
	type plain JobStatus
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*j = JobStatus(p)
	j.raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON gives back the API's JSON when j was decoded from it.
func (j JobStatus) MarshalJSON() ([]byte, error) {
	if j.raw != nil {
		return j.raw, nil
	}
	type plain JobStatus
	return json.Marshal(plain(j))
}

// ListQuery is GET /v1/jobs's query; zero fields are left out.
type ListQuery struct {
	State  crawler.State // required
	Cursor string        // from the previous page's NextCursor
	Limit  int           // page size, 1..1000; 0: the API's default
	Newest bool          // newest first; oldest first when false
	// ErrorType and Schedule narrow failed jobs to one error type or one
	// schedule's jobs (the API takes them with state failed only).
	ErrorType crawler.ErrorType
	Schedule  string
}

// JobPage is one page of GET /v1/jobs.
type JobPage struct {
	Jobs []JobStatus `json:"jobs"`
	// NextCursor fetches the following page; empty after the last.
	NextCursor string `json:"next_cursor,omitempty"`
}

// ListJobs is GET /v1/jobs: one page.
func (c *Client) ListJobs(ctx context.Context, q ListQuery) (JobPage, error) {
	v := url.Values{"state": {string(q.State)}}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Newest {
		v.Set("order", "newest")
	}
	if q.ErrorType != "" {
		v.Set("error_type", string(q.ErrorType))
	}
	if q.Schedule != "" {
		v.Set("schedule", q.Schedule)
	}
	var p JobPage
	err := c.do(ctx, http.MethodGet, "/v1/jobs?"+v.Encode(), nil, &p)
	return p, err
}

// RetryJob is POST /v1/jobs/{id}/retry: a failed job goes back to waiting
// with a fresh budget of attempts. Any other state is ErrConflict.
func (c *Client) RetryJob(ctx context.Context, id string) (JobStatus, error) {
	var s JobStatus
	err := c.do(ctx, http.MethodPost, "/v1/jobs/"+url.PathEscape(id)+"/retry", c.action(), &s)
	return s, err
}

// CancelJob is POST /v1/jobs/{id}/cancel: a waiting or delayed job becomes
// canceled. An active one (a worker holds it) is ErrConflict.
func (c *Client) CancelJob(ctx context.Context, id string) (JobStatus, error) {
	var s JobStatus
	err := c.do(ctx, http.MethodPost, "/v1/jobs/"+url.PathEscape(id)+"/cancel", c.action(), &s)
	return s, err
}

// DeleteJob is DELETE /v1/jobs/{id}: a failed, completed or canceled job's
// record goes. A job still in the queue is ErrConflict.
func (c *Client) DeleteJob(ctx context.Context, id string) error {
	path := "/v1/jobs/" + url.PathEscape(id)
	if c.operator != "" {
		path += "?" + url.Values{"operator": {c.operator}}.Encode()
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

// FailedFilter picks the failed jobs of RetryFailed and PurgeFailed,
// oldest first; zero fields are left out.
type FailedFilter struct {
	ErrorType crawler.ErrorType `json:"error_type,omitempty"`
	Schedule  string            `json:"schedule,omitempty"`
	Limit     int               `json:"limit,omitempty"` // 1..10000; 0: the API's default (10000)
}

// Moved is the answer of RetryFailed.
type Moved struct {
	Moved     int64 `json:"moved"`
	Remaining int64 `json:"remaining"` // failed jobs still matching the filter
	// Skipped counts failed jobs that cannot be retried (parked by a
	// version that did not keep the job): purge them.
	Skipped int64 `json:"skipped"`
}

// Purged is the answer of PurgeFailed.
type Purged struct {
	Deleted   int64 `json:"deleted"`
	Remaining int64 `json:"remaining"` // failed jobs still matching the filter
}

// RetryFailed is POST /v1/queue/failed/retry: it moves up to f.Limit of
// the oldest failed jobs matching f back to waiting.
func (c *Client) RetryFailed(ctx context.Context, f FailedFilter) (Moved, error) {
	var m Moved
	err := c.do(ctx, http.MethodPost, "/v1/queue/failed/retry", c.filterBody(f), &m)
	return m, err
}

// PurgeFailed is POST /v1/queue/failed/purge: it deletes up to f.Limit of
// the oldest failed jobs matching f.
func (c *Client) PurgeFailed(ctx context.Context, f FailedFilter) (Purged, error) {
	var p Purged
	err := c.do(ctx, http.MethodPost, "/v1/queue/failed/purge", c.filterBody(f), &p)
	return p, err
}

// actionBody is the body of an action route: who takes it.
type actionBody struct {
	Operator string `json:"operator,omitempty"`
}

func (c *Client) action() actionBody { return actionBody{Operator: c.operator} }

func (c *Client) filterBody(f FailedFilter) any {
	return struct {
		FailedFilter
		actionBody
	}{f, c.action()}
}
