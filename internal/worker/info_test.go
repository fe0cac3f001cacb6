package worker_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/worker"
)

// Each liveness mark tells what the worker is: its process, concurrency,
// the methods its runner has, its version, start, and the jobs it holds
// now; a clean stop takes it off the list.
func TestHeartbeatTellsWorkerInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	hold := make(chan struct{})
	s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-hold
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<title>held</title>"))
	}))
	before := time.Now()
	w, stop := start(t, worker.Config{Concurrency: 3, LivenessInterval: 50 * time.Millisecond, Process: "worker", Version: "v9"}, e.deps())
	enqueue(t, e.q, crawler.Job{URL: s.URL + "/held", Method: crawler.MethodHTTP})

	var got crawler.WorkerInfo
	waitFor(t, "a heartbeat with the held job", 5*time.Second, func() bool {
		ws, err := e.q.Workers(context.Background())
		if err != nil || len(ws) != 1 {
			return false
		}
		got = ws[0]
		return got.InFlight == 1
	})
	if got.ID != w.ID() || got.Process != "worker" || got.Version != "v9" || got.Concurrency != 3 || got.PID == 0 || got.Host == "" {
		t.Errorf("info = %+v", got)
	}
	if !slices.Equal(got.Methods, []crawler.Method{crawler.MethodHTTP}) {
		t.Errorf("methods = %v, want the pipeline's: [http]", got.Methods)
	}
	if got.StartedAt.Before(before.Add(-time.Second)) || got.LastSeenAt.Before(got.StartedAt) {
		t.Errorf("started %s, last seen %s: want started at Run, seen since", got.StartedAt, got.LastSeenAt)
	}
	close(hold)
	stop()
	if ws, err := e.q.Workers(context.Background()); err != nil || len(ws) != 0 {
		t.Errorf("workers after a clean stop = %+v, %v; want none", ws, err)
	}
}
