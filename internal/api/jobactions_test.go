package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// failJobs queues one job per error type and parks each for good with it,
// returning the ids in that order.
func failJobs(t *testing.T, e *env, types ...crawler.ErrorType) []string {
	t.Helper()
	ctx := context.Background()
	reqs := make([]queue.EnqueueRequest, len(types))
	for i := range reqs {
		reqs[i].Job = crawler.Job{URL: "https://example.com/", Method: crawler.MethodHTTP}
	}
	ids, err := e.q.Enqueue(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	var ds []queue.Delivery
	for deadline := time.Now().Add(5 * time.Second); len(ds) < len(ids) && time.Now().Before(deadline); {
		got, err := e.q.Read(ctx, "test", len(ids)-len(ds), 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, got...)
	}
	for i, d := range ds {
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(types[i], "failure"), false); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func meteredEnv(t *testing.T) (*env, *sdkmetric.ManualReader) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return newEnv(t, api.Config{}, func(d *api.Deps) { d.MeterProvider = mp }), reader
}

// Retry of one failed job: 200 with the job waiting and its operator; a
// repeat is 409 and moves nothing; unknown ids are 404; a bad operator 422.
func TestRetryJobRoute(t *testing.T) {
	t.Parallel()
	e, reader := meteredEnv(t)
	ids := failJobs(t, e, crawler.ErrHTTP4xx, crawler.ErrDNS)

	var st crawler.Status
	e.call(t, "POST", "/v1/jobs/"+ids[0]+"/retry", map[string]string{"operator": "alice"}, http.StatusOK, &st)
	if st.State != crawler.StateWaiting || st.Attempts != 1 || st.Error == nil || st.Operator == nil ||
		st.Operator.Name != "alice" || st.Operator.Action != "retry" {
		t.Errorf("retried = %+v (operator %+v); want waiting, 1 attempt, the error kept, alice", st, st.Operator)
	}
	r := e.call(t, "POST", "/v1/jobs/"+ids[0]+"/retry", nil, http.StatusConflict, nil)
	if want := "job " + ids[0] + " is waiting; only a failed job can be retried"; r.err.Message != want {
		t.Errorf("repeat = %q, want %q", r.err.Message, want)
	}
	e.call(t, "POST", "/v1/jobs/"+ids[1]+"/retry", nil, http.StatusOK, &st) // no body: operator "api"
	if st.Operator == nil || st.Operator.Name != "api" {
		t.Errorf("retry without a body: operator %+v, want api", st.Operator)
	}
	e.call(t, "POST", "/v1/jobs/0000000000000000000000000z/retry", "{}", http.StatusNotFound, nil)
	e.call(t, "POST", "/v1/jobs/NOT-AN-ID/retry", nil, http.StatusNotFound, nil)
	r = e.call(t, "POST", "/v1/jobs/"+ids[0]+"/retry", map[string]string{"operator": "a b"}, http.StatusUnprocessableEntity, nil)
	if r.err.Fields["operator"] == "" {
		t.Errorf("bad operator: fields %v, want operator named", r.err.Fields)
	}
	if c := operatorActions(t, reader); c["retry"] != 3 {
		t.Errorf("retry actions counted = %v, want 3 (two that moved, one refused)", c)
	}
	if !strings.Contains(e.logs.String(), "operator=alice") {
		t.Errorf("log names no operator: %s", e.logs.String())
	}
}

// Cancel takes a waiting job; an active one is refused. Delete takes the
// canceled job, and refuses one still to run.
func TestCancelAndDeleteRoutes(t *testing.T) {
	t.Parallel()
	e, reader := meteredEnv(t)
	ctx := context.Background()
	ids, err := e.q.Enqueue(ctx, []queue.EnqueueRequest{
		{Job: crawler.Job{URL: "https://example.com/a", Method: crawler.MethodHTTP}},
		{Job: crawler.Job{URL: "https://example.com/b", Method: crawler.MethodHTTP}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ds, err := e.q.Read(ctx, "w", 1, time.Second); err != nil || len(ds) != 1 || ds[0].Job.ID != ids[0] {
		t.Fatalf("read = %v, %v", ds, err)
	}
	r := e.call(t, "POST", "/v1/jobs/"+ids[0]+"/cancel", nil, http.StatusConflict, nil)
	if !strings.Contains(r.err.Message, "a worker holds it") {
		t.Errorf("cancel of an active job: %q", r.err.Message)
	}
	var st crawler.Status
	e.call(t, "POST", "/v1/jobs/"+ids[1]+"/cancel", map[string]string{"operator": "bob"}, http.StatusOK, &st)
	if st.State != crawler.StateCanceled || st.Operator == nil || st.Operator.Action != "cancel" || st.Finished == nil {
		t.Errorf("canceled = %+v", st)
	}
	e.call(t, "GET", "/v1/jobs/"+ids[1], nil, http.StatusOK, &st)
	if st.State != crawler.StateCanceled {
		t.Errorf("GET after cancel: %s", st.State)
	}
	r = e.call(t, "DELETE", "/v1/jobs/"+ids[0], nil, http.StatusConflict, nil)
	if !strings.Contains(r.err.Message, "a worker holds it") {
		t.Errorf("delete of an active job: %q", r.err.Message)
	}
	e.call(t, "DELETE", "/v1/jobs/"+ids[1]+"?operator=bad%20name", nil, http.StatusUnprocessableEntity, nil)
	e.call(t, "DELETE", "/v1/jobs/"+ids[1]+"?operator=bob", nil, http.StatusNoContent, nil)
	e.call(t, "GET", "/v1/jobs/"+ids[1], nil, http.StatusNotFound, nil)
	e.call(t, "DELETE", "/v1/jobs/"+ids[1], nil, http.StatusNotFound, nil)
	if c := operatorActions(t, reader); c["cancel"] != 2 || c["delete"] != 1 {
		t.Errorf("actions counted = %v; want 2 cancel (one refused), 1 delete", c)
	}
}

type taken struct {
	Moved     *int64 `json:"moved"`
	Deleted   *int64 `json:"deleted"`
	Remaining int64  `json:"remaining"`
}

// Bulk retry by error type moves only that type, a limit at a time; a
// purge deletes the rest; bad filters are 422.
func TestFailedBulkRoutes(t *testing.T) {
	t.Parallel()
	e, reader := meteredEnv(t)
	failJobs(t, e, crawler.ErrHTTP4xx, crawler.ErrTimeout, crawler.ErrHTTP4xx, crawler.ErrHTTP4xx)

	var got taken
	e.call(t, "POST", "/v1/queue/failed/retry", map[string]any{"error_type": "http_4xx", "limit": 2, "operator": "alice"}, http.StatusOK, &got)
	if got.Moved == nil || *got.Moved != 2 || got.Remaining != 1 {
		t.Errorf("retry 2 http_4xx = %+v", got)
	}
	e.call(t, "POST", "/v1/queue/failed/retry", map[string]any{"error_type": "http_4xx"}, http.StatusOK, &got)
	if *got.Moved != 1 || got.Remaining != 0 {
		t.Errorf("retry the rest = %+v", got)
	}
	e.call(t, "POST", "/v1/queue/failed/retry", map[string]any{"error_type": "http_4xx"}, http.StatusOK, &got)
	if *got.Moved != 0 || got.Remaining != 0 {
		t.Errorf("repeat = %+v; want nothing moved", got)
	}
	var page struct {
		Jobs []crawler.Status `json:"jobs"`
	}
	e.call(t, "GET", "/v1/jobs?state=failed&error_type=timeout&order=newest", nil, http.StatusOK, &page)
	if len(page.Jobs) != 1 || page.Jobs[0].Error.Type != crawler.ErrTimeout {
		t.Errorf("failed timeouts = %+v", page.Jobs)
	}
	e.call(t, "POST", "/v1/queue/failed/purge", nil, http.StatusOK, &got)
	if got.Deleted == nil || *got.Deleted != 1 || got.Remaining != 0 {
		t.Errorf("purge = %+v", got)
	}
	var counts crawler.QueueCounts
	e.call(t, "GET", "/v1/queue", nil, http.StatusOK, &counts)
	if counts.Failed != 0 || counts.Waiting != 3 || counts.FailedDropped != 0 {
		t.Errorf("counts = %+v", counts)
	}
	for body, field := range map[string]string{
		`{"error_type":"nope"}`:      "error_type",
		`{"limit":0}`:                "limit",
		`{"limit":10001}`:            "limit",
		`{"schedule":"a b"}`:         "schedule",
		`{"operator":""}`:            "operator",
		`{"error_type":"dns","x":1}`: "x",
	} {
		r := e.call(t, "POST", "/v1/queue/failed/purge", body, http.StatusUnprocessableEntity, nil)
		if r.err.Fields[field] == "" {
			t.Errorf("purge %s: fields %v, want %s named", body, r.err.Fields, field)
		}
	}
	if c := operatorActions(t, reader); c["retry_failed"] != 3 || c["purge_failed"] != 1 {
		t.Errorf("actions counted = %v", c)
	}
}

// The list's order and filters, and their refusals.
func TestListJobsOrderAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	ids := failJobs(t, e, crawler.ErrDNS, crawler.ErrDNS, crawler.ErrTLS)
	var page struct {
		Jobs       []crawler.Status `json:"jobs"`
		NextCursor string           `json:"next_cursor"`
	}
	e.call(t, "GET", "/v1/jobs?state=failed&order=newest&limit=1&error_type=dns", nil, http.StatusOK, &page)
	if len(page.Jobs) != 1 || page.Jobs[0].ID != ids[1] || page.NextCursor == "" {
		t.Errorf("newest dns = %+v", page)
	}
	e.call(t, "GET", "/v1/jobs?state=failed&order=newest&limit=1&error_type=dns&cursor="+page.NextCursor, nil, http.StatusOK, &page)
	if len(page.Jobs) != 1 || page.Jobs[0].ID != ids[0] {
		t.Errorf("second page = %+v", page)
	}
	for query, field := range map[string]string{
		"state=active&order=newest":        "order",
		"state=failed&order=sideways":      "order",
		"state=waiting&error_type=dns":     "error_type",
		"state=failed&error_type=nope":     "error_type",
		"state=delayed&schedule=nightly":   "schedule",
		"state=failed&schedule=bad%20name": "schedule",
	} {
		r := e.call(t, "GET", "/v1/jobs?"+query, nil, http.StatusUnprocessableEntity, nil)
		if r.err.Fields[field] == "" {
			t.Errorf("%s: fields %v, want %s named", query, r.err.Fields, field)
		}
	}
	e.call(t, "GET", "/v1/jobs?state=failed&schedule=nightly", nil, http.StatusOK, &page)
	if len(page.Jobs) != 0 {
		t.Errorf("failed of a schedule with none = %+v", page.Jobs)
	}
}

// Throughput: one entry per minute, oldest first, the parks counted.
func TestThroughputRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	failJobs(t, e, crawler.ErrDNS, crawler.ErrDNS)
	var got struct {
		Minutes []queue.MinuteCounts `json:"minutes"`
	}
	e.call(t, "GET", "/v1/queue/throughput", nil, http.StatusOK, &got)
	if len(got.Minutes) != 15 {
		t.Fatalf("default = %d minutes, want 15", len(got.Minutes))
	}
	e.call(t, "GET", "/v1/queue/throughput?minutes=2", nil, http.StatusOK, &got)
	if len(got.Minutes) != 2 || got.Minutes[0].Failed+got.Minutes[1].Failed != 2 || !got.Minutes[0].Start.Before(got.Minutes[1].Start) {
		t.Errorf("2 minutes = %+v; want 2 failed, oldest first", got.Minutes)
	}
	for _, q := range []string{"0", "61", "x"} {
		e.call(t, "GET", "/v1/queue/throughput?minutes="+q, nil, http.StatusUnprocessableEntity, nil)
	}
}
