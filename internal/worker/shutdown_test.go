package worker_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/worker"
)

func TestDrainOnCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		drain         time.Duration
		ignoresCancel bool // the stuck job's fetcher does not watch its context
	}{
		{name: "stuck request is cancelled and released", drain: 800 * time.Millisecond},
		{name: "fetcher ignoring cancellation is released", drain: 800 * time.Millisecond, ignoresCancel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, testQueueConfig(t))
			started := make(chan string, 2)
			unblock := make(chan struct{})
			t.Cleanup(func() { close(unblock) })
			s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				started <- r.URL.Path
				if r.URL.Path == "/slow" {
					time.Sleep(300 * time.Millisecond) // well within the drain
					w.Header().Set("Content-Type", "text/html")
					_, _ = w.Write([]byte("<title>slow</title>"))
					return
				}
				select { // "/stuck": outlives any drain
				case <-r.Context().Done():
				case <-unblock:
				}
			}))
			deps := e.deps()
			if tt.ignoresCancel {
				jobs := deps.Jobs
				deps.Jobs = runnerFunc(func(ctx context.Context, j crawler.Job) (crawler.Result, crawler.Method, error) {
					if j.URL == s.URL+"/stuck" {
						started <- "/stuck"
						<-unblock
						return crawler.Result{}, crawler.MethodHTTP, crawler.Errorf(crawler.ErrTimeout, "too late")
					}
					return jobs.Run(ctx, j)
				})
			}
			ids := enqueue(t, e.q,
				crawler.Job{URL: s.URL + "/slow", Method: crawler.MethodHTTP},
				crawler.Job{URL: s.URL + "/stuck", Method: crawler.MethodHTTP})
			_, stop := start(t, worker.Config{Concurrency: 2, DrainTimeout: tt.drain}, deps)
			for range 2 {
				select {
				case <-started:
				case <-time.After(5 * time.Second):
					t.Fatal("jobs did not start")
				}
			}
			took := stop()
			if limit := tt.drain + 4*time.Second; took < tt.drain || took > limit {
				t.Errorf("shutdown took %s, want between the drain timeout %s and %s", took, tt.drain, limit)
			}

			slow, err := e.q.Status(context.Background(), ids[0])
			if err != nil || slow.State != crawler.StateCompleted || slow.Result.Title != "slow" {
				t.Errorf("slow job after drain: %+v, %v; want completed", slow, err)
			}
			stuck, err := e.q.Status(context.Background(), ids[1])
			if err != nil || stuck.State != crawler.StateWaiting || stuck.Error != nil {
				t.Errorf("stuck job after drain: %+v, %v; want waiting, no error", stuck, err)
			}
			ds, err := e.q.Read(context.Background(), "next-worker", 10, time.Second)
			if err != nil || len(ds) != 1 || ds[0].Job.ID != ids[1] || ds[0].Attempt != 1 {
				t.Fatalf("another worker reads %+v, %v; want the stuck job, still attempt 1", ds, err)
			}
			m := collect(t, e.reader)
			if m.completed["success"] != 1 || m.completed["failed"] != 0 {
				t.Errorf("metrics = %+v; want the one success, the released job not counted", m)
			}
		})
	}
}

func TestLeaseLostJobIsAbandoned(t *testing.T) {
	t.Parallel()
	qcfg := testQueueConfig(t)
	qcfg.Lease = 200 * time.Millisecond
	qcfg.ReclaimEvery = 50 * time.Millisecond
	e := newEnv(t, qcfg)
	cancelled := make(chan struct{})
	s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(10 * time.Second):
		}
	}))
	id := enqueue(t, e.q, crawler.Job{URL: s.URL + "/long", Method: crawler.MethodHTTP})[0]
	// The worker believes in a longer lease than the queue's, so it extends
	// too late and another consumer reclaims the job first.
	_, stop := start(t, worker.Config{Concurrency: 1, Lease: 1500 * time.Millisecond}, e.deps())
	waitFor(t, "job active", 5*time.Second, func() bool { return counts(t, e.q).Active == 1 })

	var d []queue.Delivery
	waitFor(t, "reclaim by another consumer", 5*time.Second, func() bool {
		var err error
		d, err = e.q.Read(context.Background(), "thief", 1, 50*time.Millisecond)
		return err == nil && len(d) == 1
	})
	// The thief holds its lease as a worker does, until it completes:
	// otherwise the worker, free again, could reclaim the job in turn.
	keep := time.NewTicker(qcfg.Lease / 4)
	defer keep.Stop()
	timeout := time.After(5 * time.Second)
	for waiting := true; waiting; {
		select {
		case <-cancelled:
			waiting = false
		case <-keep.C:
			if lost, err := e.q.Extend(context.Background(), "thief", d); err != nil || len(lost) > 0 {
				t.Fatalf("thief's extend: lost %d, %v", len(lost), err)
			}
		case <-timeout:
			t.Fatal("the worker did not cancel the job whose lease it lost")
		}
	}
	want := crawler.Result{Status: 299, Title: "thief's", Method: crawler.MethodHTTP}
	if err := e.q.Complete(context.Background(), d[0], want); err != nil {
		t.Fatal(err)
	}
	stop()
	st, err := e.q.Status(context.Background(), id)
	if err != nil || st.State != crawler.StateCompleted || st.Result.Title != want.Title || st.Error != nil {
		t.Errorf("status = %+v, %v; want the new holder's result and no error", st, err)
	}
	if m := collect(t, e.reader); len(m.completed) != 0 {
		t.Errorf("metrics = %+v; an abandoned attempt is not counted", m)
	}
}
