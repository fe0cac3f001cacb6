package apiclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// QueueState is the answer of PauseQueue and ResumeQueue.
type QueueState struct {
	Paused bool `json:"paused"`
	// Changed is false when the queue already was in that state.
	Changed bool `json:"changed"`
}

// PauseQueue is POST /v1/queue/pause: workers stop taking jobs and finish
// those they hold.
func (c *Client) PauseQueue(ctx context.Context) (QueueState, error) {
	var s QueueState
	err := c.do(ctx, http.MethodPost, "/v1/queue/pause", c.action(), &s)
	return s, err
}

// ResumeQueue is POST /v1/queue/resume.
func (c *Client) ResumeQueue(ctx context.Context) (QueueState, error) {
	var s QueueState
	err := c.do(ctx, http.MethodPost, "/v1/queue/resume", c.action(), &s)
	return s, err
}

// Minute is one minute of GET /v1/queue/throughput.
type Minute struct {
	Start     time.Time `json:"start"`
	Completed int64     `json:"completed"`
	Failed    int64     `json:"failed"`
}

// Throughput is GET /v1/queue/throughput: jobs completed and failed per
// minute over the last minutes (1..60; 0: the API's default), oldest
// first.
func (c *Client) Throughput(ctx context.Context, minutes int) ([]Minute, error) {
	path := "/v1/queue/throughput"
	if minutes != 0 {
		path += "?" + url.Values{"minutes": {strconv.Itoa(minutes)}}.Encode()
	}
	var out struct {
		Minutes []Minute `json:"minutes"`
	}
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out.Minutes, err
}

// Workers is GET /v1/workers: every live worker.
func (c *Client) Workers(ctx context.Context) ([]crawler.WorkerInfo, error) {
	var out struct {
		Workers []crawler.WorkerInfo `json:"workers"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/workers", nil, &out)
	return out.Workers, err
}
