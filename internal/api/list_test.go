package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

type jobList struct {
	Jobs       []crawler.Status `json:"jobs"`
	NextCursor string           `json:"next_cursor"`
}

// GET /v1/jobs pages through one state with the cursor, each job as GET
// /v1/jobs/{id} shows it; a bad state, limit or cursor is 422.
func TestListJobs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	ctx := context.Background()
	reqs := make([]queue.EnqueueRequest, 5)
	for i := range reqs {
		reqs[i].Job = crawler.Job{URL: "https://example.com/" + string(rune('a'+i)), Method: crawler.MethodHTTP}
	}
	ids, err := e.q.Enqueue(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.q.Read(ctx, "c", 3, time.Second)
	if err != nil || len(ds) != 3 {
		t.Fatalf("read: %d, %v", len(ds), err)
	}
	for _, d := range ds {
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "404 Not Found"), false); err != nil {
			t.Fatal(err)
		}
	}

	var got []string
	cursor := ""
	for pages := 1; ; pages++ {
		q := url.Values{"state": {"failed"}, "limit": {"2"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page jobList
		e.call(t, "GET", "/v1/jobs?"+q.Encode(), nil, http.StatusOK, &page)
		for _, st := range page.Jobs {
			var one crawler.Status
			e.call(t, "GET", "/v1/jobs/"+st.ID, nil, http.StatusOK, &one)
			if one.State != crawler.StateFailed || st.State != one.State || st.Attempts != one.Attempts ||
				st.Error == nil || one.Error == nil || *st.Error != *one.Error {
				t.Errorf("listed %+v, GET shows %+v", st, one)
			}
			got = append(got, st.ID)
		}
		if page.NextCursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("no last page")
		}
		cursor = page.NextCursor
	}
	if !slices.Equal(got, ids[:3]) {
		t.Errorf("failed jobs listed %v, want %v", got, ids[:3])
	}
	var waiting jobList
	r := e.call(t, "GET", "/v1/jobs?state=waiting", nil, http.StatusOK, &waiting)
	if len(waiting.Jobs) != 2 || waiting.Jobs[0].ID != ids[3] || waiting.NextCursor != "" {
		t.Errorf("waiting = %s", r.body)
	}
	r = e.call(t, "GET", "/v1/jobs?state=active", nil, http.StatusOK, nil)
	if string(r.body) != "{\"jobs\":[]}\n" {
		t.Errorf("active with none = %q, want an empty list", r.body)
	}

	for _, tt := range []struct{ query, field string }{
		{"", "state"},
		{"state=completed", "state"},
		{"state=failed&limit=0", "limit"},
		{"state=failed&limit=1001", "limit"},
		{"state=failed&limit=x", "limit"},
		{"state=failed&cursor=nope", "cursor"},
		{"state=waiting&cursor=1-x", "cursor"},
	} {
		r := e.call(t, "GET", "/v1/jobs?"+tt.query, nil, http.StatusUnprocessableEntity, nil)
		if r.err.Code != "invalid_request" || r.err.Fields[tt.field] == "" {
			t.Errorf("GET /v1/jobs?%s: %+v, want invalid_request on %s", tt.query, r.err, tt.field)
		}
	}
}
