package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/schedule"
)

// client speaks the public HTTP API, as a user of the product would.
type client struct {
	base  string
	token string
	hc    *http.Client
}

func newClient(addr, token string) *client {
	return &client{base: "http://" + addr, token: token, hc: &http.Client{Timeout: 30 * time.Second}}
}

type jobRequest struct {
	URL    string            `json:"url"`
	Method string            `json:"method,omitempty"`
	Rank   *crawler.RankSpec `json:"rank,omitempty"`
}

// scheduleResult is one entry of GET /v1/schedules/{name}/results.
type scheduleResult = schedule.Result

// scheduleRequest is the body of POST /v1/schedules and its answer.
type scheduleRequest struct {
	Name    string     `json:"name"`
	Cron    string     `json:"cron"`
	Job     jobRequest `json:"job"`
	Created time.Time  `json:"created,omitzero"`
}

// do sends body (nil for none) and decodes a 2xx answer into out.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode %q: %w", method, path, b, err)
	}
	return nil
}

func (c *client) postJobs(ctx context.Context, jobs []jobRequest) ([]string, error) {
	var out struct {
		IDs []string `json:"ids"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/jobs", map[string]any{"jobs": jobs}, &out); err != nil {
		return nil, err
	}
	if len(out.IDs) != len(jobs) {
		return nil, fmt.Errorf("POST /v1/jobs: %d ids for %d jobs", len(out.IDs), len(jobs))
	}
	return out.IDs, nil
}

func (c *client) job(ctx context.Context, id string) (crawler.Status, error) {
	var st crawler.Status
	err := c.do(ctx, http.MethodGet, "/v1/jobs/"+id, nil, &st)
	return st, err
}

func (c *client) queue(ctx context.Context) (crawler.QueueCounts, error) {
	var qc crawler.QueueCounts
	err := c.do(ctx, http.MethodGet, "/v1/queue", nil, &qc)
	return qc, err
}

func (c *client) createSchedule(ctx context.Context, s scheduleRequest) (scheduleRequest, error) {
	var out scheduleRequest
	err := c.do(ctx, http.MethodPost, "/v1/schedules", s, &out)
	return out, err
}

func (c *client) scheduleResults(ctx context.Context, name string) ([]scheduleResult, error) {
	var out struct {
		Results []scheduleResult `json:"results"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/schedules/"+name+"/results?limit=100", nil, &out)
	return out.Results, err
}

// ready reports whether GET /readyz answers 200 (Redis reachable).
func (c *client) ready(ctx context.Context) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/readyz", nil)
	res, err := c.hc.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}
