package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

func TestScheduleCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, api.Config{})

	var created schedule.Schedule
	r := e.call(t, "POST", "/v1/schedules", `{"name":"nightly","cron":"0 3 * * *","job":{"url":"https://example.com/list","rank":{"selector":"li","match":"acme"}}}`, http.StatusCreated, &created)
	if loc := r.header.Get("Location"); loc != "/v1/schedules/nightly" {
		t.Errorf("Location = %q", loc)
	}
	if created.Name != "nightly" || created.Cron != "0 3 * * *" || created.Job.Method != crawler.MethodAuto || created.Job.Rank == nil || created.Created.IsZero() {
		t.Errorf("created = %+v, want the schedule with method auto and a creation time", created)
	}
	e.call(t, "POST", "/v1/schedules", `{"name":"default-cron","job":{"url":"https://example.com/","method":"browser"}}`, http.StatusCreated, nil)

	var one schedule.Schedule
	e.call(t, "GET", "/v1/schedules/nightly", nil, http.StatusOK, &one)
	if one.Name != created.Name || !one.Created.Equal(created.Created) || one.Job.URL != "https://example.com/list" {
		t.Errorf("get = %+v, want %+v", one, created)
	}
	var list struct{ Schedules []schedule.Schedule }
	e.call(t, "GET", "/v1/schedules", nil, http.StatusOK, &list)
	if len(list.Schedules) != 2 || list.Schedules[0].Name != "default-cron" || list.Schedules[0].Cron != "" || list.Schedules[1].Name != "nightly" {
		t.Errorf("list = %+v, want default-cron (empty cron) then nightly", list.Schedules)
	}

	// Results: none yet, then what a worker finished, newest first.
	var results struct{ Results []schedule.Result }
	r = e.call(t, "GET", "/v1/schedules/nightly/results", nil, http.StatusOK, &results)
	if len(results.Results) != 0 || string(r.body) != "{\"results\":[]}\n" {
		t.Errorf("results before any run = %s, want an empty list", r.body)
	}
	ids, err := e.q.Enqueue(ctx, []queue.EnqueueRequest{
		{Job: crawler.Job{URL: "https://example.com/list", Schedule: "nightly"}},
		{Job: crawler.Job{URL: "https://example.com/list", Schedule: "nightly"}},
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	ds, err := e.q.Read(ctx, "w", 2, time.Second)
	if err != nil || len(ds) != 2 {
		t.Fatalf("read: %d, %v", len(ds), err)
	}
	for i, d := range ds {
		if err := e.q.Complete(ctx, d, crawler.Result{Status: 200 + i, Method: crawler.MethodHTTP}); err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
	e.call(t, "GET", "/v1/schedules/nightly/results?limit=1", nil, http.StatusOK, &results)
	if len(results.Results) != 1 || results.Results[0].ID != ids[1] || results.Results[0].Result.Status != 201 || results.Results[0].Finished.IsZero() {
		t.Errorf("results?limit=1 = %+v, want only the newest (%s)", results.Results, ids[1])
	}
	e.call(t, "GET", "/v1/schedules/nightly/results", nil, http.StatusOK, &results)
	if len(results.Results) != 2 || results.Results[1].ID != ids[0] {
		t.Errorf("results = %+v, want both, newest first", results.Results)
	}

	r = e.call(t, "DELETE", "/v1/schedules/nightly", nil, http.StatusNoContent, nil)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %q", r.body)
	}
	e.call(t, "GET", "/v1/schedules/nightly", nil, http.StatusNotFound, nil)
	e.call(t, "DELETE", "/v1/schedules/nightly", nil, http.StatusNotFound, nil)
	// Its results went with it: a new schedule of the same name starts empty.
	if got, err := e.store.Results(t.Context(), "nightly", 10); err != nil || len(got) != 0 {
		t.Errorf("results of the deleted schedule = %d, %v; want none", len(got), err)
	}
	e.call(t, "GET", "/v1/schedules", nil, http.StatusOK, &list)
	if len(list.Schedules) != 1 {
		t.Errorf("after delete: %d schedules, want 1", len(list.Schedules))
	}
}

// TestScheduleDotNames: "." and ".." would be created at a Location that
// clients and the router resolve to another path, so they are refused.
func TestScheduleDotNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	for _, name := range []string{".", ".."} {
		r := e.call(t, "POST", "/v1/schedules", `{"name":"`+name+`","job":{"url":"https://example.com"}}`, http.StatusUnprocessableEntity, nil)
		if r.err.Code != "invalid_request" || !strings.Contains(r.err.Fields["name"], "path") {
			t.Errorf("name %q: %s, want invalid_request with a reason for name", name, r.body)
		}
	}
	// Dots inside a name are fine: the address reaches it.
	r := e.call(t, "POST", "/v1/schedules", `{"name":"...","job":{"url":"https://example.com"}}`, http.StatusCreated, nil)
	e.call(t, "GET", r.header.Get("Location"), nil, http.StatusOK, nil)
	e.call(t, "POST", "/v1/schedules", `{"name":".hidden","job":{"url":"https://example.com"}}`, http.StatusCreated, nil)
	e.call(t, "GET", "/v1/schedules/.hidden", nil, http.StatusOK, nil)
}
