package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/queue"
)

type idResponse struct {
	ID string `json:"id"`
}

type idsResponse struct {
	IDs []string `json:"ids"`
}

// TestFullBatch: 10,000 jobs in one request are accepted, with ids in
// input order.
func TestFullBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	body := batch(queue.MaxBatch, -1)
	if len(body) > api.DefaultMaxBodyBytes {
		t.Fatalf("a full batch (%d bytes) does not fit the default body limit", len(body))
	}
	start := time.Now()
	var got idsResponse
	e.call(t, "POST", "/v1/jobs", body, http.StatusAccepted, &got)
	t.Logf("POST of %d jobs (%d KiB) took %s", queue.MaxBatch, len(body)>>10, time.Since(start))
	if len(got.IDs) != queue.MaxBatch {
		t.Fatalf("%d ids, want %d", len(got.IDs), queue.MaxBatch)
	}
	ds, err := e.q.Read(context.Background(), "w", queue.MaxBatch, time.Second)
	if err != nil || len(ds) != queue.MaxBatch {
		t.Fatalf("read back %d deliveries, %v; want %d", len(ds), err, queue.MaxBatch)
	}
	for i, d := range ds {
		if d.Job.ID != got.IDs[i] || d.Job.URL != fmt.Sprintf("https://example.com/%d", i) || d.Job.Method != crawler.MethodAuto {
			t.Fatalf("job %d = %+v, want id %s for https://example.com/%d, method auto", i, d.Job, got.IDs[i], i)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	var first, again, other idResponse
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/a","idempotency_key":"order-42"}`, http.StatusAccepted, &first)
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/a","idempotency_key":"order-42"}`, http.StatusAccepted, &again)
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/a","idempotency_key":"order-43"}`, http.StatusAccepted, &other)
	if first.ID == "" || again.ID != first.ID {
		t.Errorf("repeat of key order-42: id %q, want the first id %q", again.ID, first.ID)
	}
	if other.ID == first.ID {
		t.Errorf("a different key returned the same id %s", other.ID)
	}
	var b idsResponse
	e.call(t, "POST", "/v1/jobs", `{"jobs":[{"url":"https://example.com/b"},{"url":"https://example.com/a","idempotency_key":"order-42"}]}`, http.StatusAccepted, &b)
	if len(b.IDs) != 2 || b.IDs[1] != first.ID || b.IDs[0] == first.ID {
		t.Errorf("batch ids = %v, want a new id then %s", b.IDs, first.ID)
	}

	// A client key cannot stand in for one of the scheduler's fires.
	var c idResponse
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/c","idempotency_key":"schedule:nightly:1770000000"}`, http.StatusAccepted, &c)
	ids, err := e.q.Enqueue(context.Background(), []queue.EnqueueRequest{{Job: crawler.Job{URL: "https://example.com/s", Schedule: "nightly"}, IdempotencyKey: "schedule:nightly:1770000000"}})
	if err != nil || len(ids) != 1 || ids[0] == c.ID {
		t.Errorf("scheduler enqueue after a client used its key: %v, %v; want a new job", ids, err)
	}
	if n, _ := e.q.Counts(context.Background()); n.Waiting != 5 {
		t.Errorf("waiting = %d, want 5 distinct jobs", n.Waiting)
	}
}

// TestJobLifecycle: GET /v1/jobs/{id} shows what a worker made of the job,
// and GET /v1/queue counts the queue.
func TestJobLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, api.Config{})
	var ok, bad, waiting idResponse
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/ok","method":"http","rank":{"selector":"li.item","match":"example.com"}}`, http.StatusAccepted, &ok)
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/bad"}`, http.StatusAccepted, &bad)
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/later"}`, http.StatusAccepted, &waiting)

	ds, err := e.q.Read(ctx, "w", 2, time.Second)
	if err != nil || len(ds) != 2 {
		t.Fatalf("read: %d, %v", len(ds), err)
	}
	var counts crawler.QueueCounts
	e.call(t, "GET", "/v1/queue", nil, http.StatusOK, &counts)
	if counts.Waiting != 1 || counts.Active != 2 {
		t.Errorf("counts = %+v, want 1 waiting, 2 active", counts)
	}

	if ds[0].Job.Rank == nil || ds[0].Job.Rank.Selector != "li.item" || ds[0].Job.Method != crawler.MethodHTTP {
		t.Fatalf("delivered job = %+v, want the rank and method sent", ds[0].Job)
	}
	three := 3
	res := crawler.Result{FinalURL: "https://example.com/ok", Status: 200, Method: crawler.MethodHTTP, DurationMS: 12, Title: "OK", Bytes: 1234, Rank: &three}
	if err := e.q.Complete(ctx, ds[0], res); err != nil {
		t.Fatalf("complete: %v", err)
	}
	if _, err := e.q.Fail(ctx, ds[1], crawler.Errorf(crawler.ErrHTTP4xx, "status 404"), false); err != nil {
		t.Fatalf("fail: %v", err)
	}

	tests := []struct {
		id    string
		check func(crawler.Status) error
	}{
		{ok.ID, func(st crawler.Status) error {
			if st.State != crawler.StateCompleted || st.Attempts != 1 || st.Result == nil || *st.Result.Rank != 3 || st.Result.Title != "OK" || st.Error != nil {
				return errors.New("want completed after 1 attempt with rank 3")
			}
			return nil
		}},
		{bad.ID, func(st crawler.Status) error {
			if st.State != crawler.StateFailed || st.Error == nil || st.Error.Type != crawler.ErrHTTP4xx || st.Result != nil {
				return errors.New("want failed with an http_4xx error")
			}
			return nil
		}},
		{waiting.ID, func(st crawler.Status) error {
			if st.State != crawler.StateWaiting || st.Attempts != 0 {
				return errors.New("want waiting")
			}
			return nil
		}},
	}
	for _, tt := range tests {
		var st crawler.Status
		r := e.call(t, "GET", "/v1/jobs/"+tt.id, nil, http.StatusOK, &st)
		if st.ID != tt.id {
			t.Errorf("status id = %s, want %s", st.ID, tt.id)
		}
		if err := tt.check(st); err != nil {
			t.Errorf("job %s: %s; got %s", tt.id, err, r.body)
		}
	}
	// The contract's field names, straight from the wire.
	r := e.call(t, "GET", "/v1/jobs/"+ok.ID, nil, http.StatusOK, nil)
	for _, f := range []string{`"state":"completed"`, `"attempts":1`, `"final_url":`, `"status":200`, `"method":"http"`, `"duration_ms":12`, `"title":"OK"`, `"bytes":1234`, `"rank":3`, `"error":null`} {
		if !strings.Contains(string(r.body), f) {
			t.Errorf("job answer %s lacks %s", r.body, f)
		}
	}
}

// TestPrivatePolicy: with CRAWL_ALLOW_PRIVATE the API accepts loopback
// targets, but never the metadata endpoint.
func TestPrivatePolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{Policy: netguard.Policy{AllowPrivate: true}})
	e.call(t, "POST", "/v1/jobs", `{"url":"http://127.0.0.1:8080/page"}`, http.StatusAccepted, nil)
	r := e.call(t, "POST", "/v1/jobs", `{"url":"http://169.254.169.254/"}`, http.StatusUnprocessableEntity, nil)
	if !strings.Contains(string(r.body), "metadata") {
		t.Errorf("metadata refusal does not say why: %s", r.body)
	}
}

// TestIdempotencyConflict: a key reused with a different request is a 409
// naming the key, and adds nothing; the same request still gets its id.
func TestIdempotencyConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	var first, again idResponse
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/a","idempotency_key":"order-42"}`, http.StatusAccepted, &first)
	// The same request as the API reads it: the default method spelt out.
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/a","method":"auto","idempotency_key":"order-42"}`, http.StatusAccepted, &again)
	if again.ID != first.ID {
		t.Errorf("same request, same key: id %s, want %s", again.ID, first.ID)
	}
	tests := []struct {
		name, body, field string
	}{
		{"other url", `{"url":"https://example.com/b","idempotency_key":"order-42"}`, "idempotency_key"},
		{"other method", `{"url":"https://example.com/a","method":"browser","idempotency_key":"order-42"}`, "idempotency_key"},
		{"other rank", `{"url":"https://example.com/a","rank":{"selector":"li","match":"x"},"idempotency_key":"order-42"}`, "idempotency_key"},
		{"in a batch", `{"jobs":[{"url":"https://example.com/new"},{"url":"https://example.com/b","idempotency_key":"order-42"}]}`, "jobs[1].idempotency_key"},
		{"twice in one batch", `{"jobs":[{"url":"https://example.com/x","idempotency_key":"order-43"},{"url":"https://example.com/y","idempotency_key":"order-43"}]}`, "jobs[1].idempotency_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(t, "POST", "/v1/jobs", tt.body, http.StatusConflict, nil)
			key := "order-42"
			if tt.name == "twice in one batch" {
				key = "order-43"
			}
			if r.err.Code != "idempotency_conflict" || !strings.Contains(r.err.Message, `"`+key+`"`) || r.err.Fields[tt.field] == "" {
				t.Errorf("answer %s, want idempotency_conflict naming %q, with field %s", r.body, key, tt.field)
			}
			if strings.Contains(r.err.Message, "api:") {
				t.Errorf("message shows the queue's key: %s", r.err.Message)
			}
		})
	}
	if n, _ := e.q.Counts(context.Background()); n.Waiting != 1 {
		t.Errorf("waiting = %d, want only the first job", n.Waiting)
	}
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/a","idempotency_key":"order-42"}`, http.StatusAccepted, &again)
	if again.ID != first.ID {
		t.Errorf("after conflicts: id %s, want %s", again.ID, first.ID)
	}
}
