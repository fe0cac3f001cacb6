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

// A pause made by another process (the API) while a worker runs a job:
// the job finishes, and jobs posted after the pause stay waiting, with a
// free slot, until the resume; then they run.
func TestPauseStopsIntakeAndFinishesHeldJobs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	api := queue.New(e.srv.Client(), e.q.Config())
	hold := make(chan struct{})
	s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-hold
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<title>held</title>"))
	}))
	_, stop := start(t, worker.Config{Concurrency: 2}, e.deps())
	held := enqueue(t, e.q, crawler.Job{URL: s.URL + "/held", Method: crawler.MethodHTTP})
	waitFor(t, "held job active", 5*time.Second, func() bool { return counts(t, e.q).Active == 1 })

	if _, err := api.Pause(context.Background()); err != nil {
		t.Fatalf("pause: %v", err)
	}
	later := enqueue(t, e.q, pages(s.URL, 0, 3)...)
	time.Sleep(1500 * time.Millisecond) // longer than a read block
	if c := counts(t, e.q); c.Waiting != 3 || c.Active != 1 || !c.Paused {
		t.Fatalf("counts 1.5 s after the pause = %+v, want 3 waiting, the held job active, paused", c)
	}
	close(hold)
	if st := waitStates(t, e.q, held, 5*time.Second)[held[0]]; st.State != crawler.StateCompleted {
		t.Fatalf("held job after the pause: %+v, want completed", st)
	}
	time.Sleep(300 * time.Millisecond)
	for _, id := range later {
		if st, _ := e.q.Status(context.Background(), id); st.State != crawler.StateWaiting || st.Attempts != 0 {
			t.Fatalf("job %s posted while paused: %+v, want waiting", id, st)
		}
	}

	if _, err := api.Resume(context.Background()); err != nil {
		t.Fatalf("resume: %v", err)
	}
	begin := time.Now()
	for id, st := range waitStates(t, e.q, later, 5*time.Second) {
		if st.State != crawler.StateCompleted {
			t.Errorf("job %s after the resume: %+v, want completed", id, st)
		}
	}
	t.Logf("jobs done %s after the resume", time.Since(begin).Round(time.Millisecond))
	stop()
}
