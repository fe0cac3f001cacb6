package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/crawler"
)

// GET /v1/workers lists the live workers with what their heartbeats told,
// and an empty list (not null) when none is live.
func TestListWorkers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	var got struct {
		Workers []crawler.WorkerInfo `json:"workers"`
	}
	r := e.call(t, "GET", "/v1/workers", nil, http.StatusOK, &got)
	if string(r.body) != "{\"workers\":[]}\n" {
		t.Errorf("no worker: body %q, want an empty list", r.body)
	}

	started := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	ctx := context.Background()
	for _, w := range []crawler.WorkerInfo{
		{ID: "host-1-b", Process: "worker", Host: "host", PID: 1, Concurrency: 8, InFlight: 2,
			Methods: []crawler.Method{crawler.MethodHTTP, crawler.MethodBrowser}, Version: "v1", StartedAt: started},
		{ID: "host-2-a", Process: "all", Host: "host", PID: 2, Concurrency: 4, Methods: []crawler.Method{crawler.MethodHTTP}, Version: "v1", StartedAt: started},
	} {
		if err := e.q.Heartbeat(ctx, w, time.Minute); err != nil {
			t.Fatalf("heartbeat: %v", err)
		}
	}
	if err := e.q.Heartbeat(ctx, crawler.WorkerInfo{ID: "dead"}, time.Millisecond); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	time.Sleep(10 * time.Millisecond)

	e.call(t, "GET", "/v1/workers", nil, http.StatusOK, &got)
	if len(got.Workers) != 2 {
		t.Fatalf("workers = %+v, want the two live ones", got.Workers)
	}
	b := got.Workers[0]
	if b.ID != "host-1-b" || b.Process != "worker" || b.Concurrency != 8 || b.InFlight != 2 || len(b.Methods) != 2 ||
		!b.StartedAt.Equal(started) || time.Since(b.LastSeenAt) > 5*time.Second {
		t.Errorf("first worker = %+v", b)
	}
	if r := e.do(t, "GET", "/v1/workers", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("without a token = %d, want 401", r.status)
	}
	e.srv.Kill()
	e.call(t, "GET", "/v1/workers", nil, http.StatusServiceUnavailable, nil)
}
