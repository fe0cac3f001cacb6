package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// Workers lists the live workers with what each heartbeat told, bounded;
// an expired worker's info leaves with the next heartbeat, and a clean
// stop removes both its mark and its info.
func TestWorkersInfo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	started := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	beat := func(info crawler.WorkerInfo, ttl time.Duration) {
		t.Helper()
		if err := e.q.Heartbeat(ctx, info, ttl); err != nil {
			t.Fatalf("heartbeat %s: %v", info.ID, err)
		}
	}
	beat(crawler.WorkerInfo{ID: "b", Process: "worker", Host: strings.Repeat("h", 1000), PID: 7, Concurrency: 4, InFlight: 3,
		Methods: []crawler.Method{crawler.MethodBrowser, "auto", crawler.MethodHTTP, crawler.MethodHTTP}, Version: "v1.2.3", StartedAt: started}, time.Minute)
	beat(crawler.WorkerInfo{ID: "a", Process: "all", Methods: []crawler.Method{crawler.MethodHTTP}}, time.Minute)
	beat(crawler.WorkerInfo{ID: "gone"}, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	beat(crawler.WorkerInfo{ID: "a", Process: "all", InFlight: 1, Methods: []crawler.Method{crawler.MethodHTTP}}, time.Minute) // forgets "gone"

	ws, err := e.q.Workers(ctx)
	if err != nil {
		t.Fatalf("workers: %v", err)
	}
	if len(ws) != 2 || ws[0].ID != "a" || ws[1].ID != "b" {
		t.Fatalf("workers = %+v, want a and b, by id", ws)
	}
	a, b := ws[0], ws[1]
	if a.InFlight != 1 || a.Process != "all" || time.Since(a.LastSeenAt) > 5*time.Second {
		t.Errorf("a = %+v: want the last heartbeat's info", a)
	}
	if len(b.Host) != 128 || b.PID != 7 || b.Concurrency != 4 || b.InFlight != 3 || b.Version != "v1.2.3" || !b.StartedAt.Equal(started) {
		t.Errorf("b = %+v: want its info, host cut to 128 bytes", b)
	}
	if got := b.Methods; len(got) != 2 || got[0] != crawler.MethodHTTP || got[1] != crawler.MethodBrowser {
		t.Errorf("b's methods = %v, want [http browser]: known fetch methods, once each", got)
	}
	if n, _ := e.rdb.HLen(ctx, e.q.Config().Keys.WorkerInfo()).Result(); n != 2 {
		t.Errorf("%d info entries, want 2: the expired worker's went with it", n)
	}
	if c := counts(t, e.q); c.Workers != 2 {
		t.Errorf("counts.workers = %d, want 2", c.Workers)
	}

	if err := e.q.RemoveWorker(ctx, "b"); err != nil {
		t.Fatalf("remove worker: %v", err)
	}
	ws, err = e.q.Workers(ctx)
	if err != nil || len(ws) != 1 || ws[0].ID != "a" {
		t.Fatalf("workers after removing b = %+v, %v; want a alone", ws, err)
	}
	if n, _ := e.rdb.HLen(ctx, e.q.Config().Keys.WorkerInfo()).Result(); n != 1 {
		t.Errorf("%d info entries after removing b, want 1", n)
	}
}
