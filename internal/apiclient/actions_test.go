package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
)

// TestClientActions checks what each day-two call sends: method, path,
// query and body, with the operator where the contract puts it.
func TestClientActions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+string(b)))
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/retry") && strings.Contains(r.URL.Path, "busy"):
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"error":{"code":"conflict","message":"job busy is waiting; only a failed job can be retried"}}`))
		case r.URL.Path == "/v1/jobs":
			w.Write([]byte(`{"jobs":[{"id":"a","state":"failed","attempts":2,"result":null,"error":{"type":"dns","message":"x"},"operator":{"name":"bob","action":"retry","at":"2026-12-07T08:00:00Z"}}],"next_cursor":"n1"}`))
		case r.URL.Path == "/v1/queue/failed/retry":
			w.Write([]byte(`{"moved":3,"remaining":7,"skipped":1}`))
		case r.URL.Path == "/v1/queue/failed/purge":
			w.Write([]byte(`{"deleted":2,"remaining":0}`))
		case r.URL.Path == "/v1/queue/throughput":
			w.Write([]byte(`{"minutes":[{"start":"2026-12-07T08:00:00Z","completed":4,"failed":1}]}`))
		case strings.HasSuffix(r.URL.Path, "/trigger"):
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"id":"j1"}`))
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c := mustNew(t, Config{URL: srv.URL, Token: secret, Operator: "alice"})

	page, err := c.ListJobs(ctx, ListQuery{State: crawler.StateFailed, Cursor: "c 1", Limit: 50, Newest: true, ErrorType: crawler.ErrDNS, Schedule: "daily"})
	if err != nil || len(page.Jobs) != 1 || page.NextCursor != "n1" || page.Jobs[0].Operator == nil || page.Jobs[0].Operator.Name != "bob" {
		t.Errorf("ListJobs = %+v, %v", page, err)
	}
	if _, err := c.RetryJob(ctx, "a/b"); err != nil {
		t.Error(err)
	}
	if _, err := c.RetryJob(ctx, "busy"); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "only a failed job can be retried") {
		t.Errorf("RetryJob(busy) = %v; want ErrConflict with the API's reason", err)
	}
	if _, err := c.CancelJob(ctx, "a"); err != nil {
		t.Error(err)
	}
	if err := c.DeleteJob(ctx, "a"); err != nil {
		t.Error(err)
	}
	if m, err := c.RetryFailed(ctx, FailedFilter{ErrorType: crawler.ErrDNS, Limit: 10}); err != nil || m != (Moved{Moved: 3, Remaining: 7, Skipped: 1}) {
		t.Errorf("RetryFailed = %+v, %v", m, err)
	}
	if p, err := c.PurgeFailed(ctx, FailedFilter{Schedule: "daily"}); err != nil || p != (Purged{2, 0}) {
		t.Errorf("PurgeFailed = %+v, %v", p, err)
	}
	if ms, err := c.Throughput(ctx, 5); err != nil || len(ms) != 1 || ms[0].Completed != 4 {
		t.Errorf("Throughput = %+v, %v", ms, err)
	}
	if id, err := c.TriggerSchedule(ctx, "daily"); err != nil || id != "j1" {
		t.Errorf("TriggerSchedule = %q, %v", id, err)
	}
	if _, err := c.PauseQueue(ctx); err != nil {
		t.Error(err)
	}
	want := []string{
		"GET /v1/jobs?cursor=c+1&error_type=dns&limit=50&order=newest&schedule=daily&state=failed",
		`POST /v1/jobs/a%2Fb/retry {"operator":"alice"}`,
		`POST /v1/jobs/busy/retry {"operator":"alice"}`,
		`POST /v1/jobs/a/cancel {"operator":"alice"}`,
		"DELETE /v1/jobs/a?operator=alice",
		`POST /v1/queue/failed/retry {"error_type":"dns","limit":10,"operator":"alice"}`,
		`POST /v1/queue/failed/purge {"schedule":"daily","operator":"alice"}`,
		"GET /v1/queue/throughput?minutes=5",
		`POST /v1/schedules/daily/trigger {"operator":"alice"}`,
		`POST /v1/queue/pause {"operator":"alice"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Without an operator the body is {}: the API's default applies.
	anon := mustNew(t, Config{URL: srv.URL, Token: secret})
	got = nil
	_, _ = anon.RetryJob(ctx, "a")
	_ = anon.DeleteJob(ctx, "a")
	if len(got) != 2 || got[0] != "POST /v1/jobs/a/retry {}" || got[1] != "DELETE /v1/jobs/a" {
		t.Errorf("no operator: %q", got)
	}

	// A listed job prints back exactly as the API sent it.
	b, err := json.Marshal(page.Jobs[0])
	if err != nil || !strings.Contains(string(b), `"operator":{"name":"bob"`) {
		t.Errorf("re-encoded job: %s, %v", b, err)
	}
}
