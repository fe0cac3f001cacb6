package worker_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/worker"
)

func pages(s string, from, n int) []crawler.Job {
	jobs := make([]crawler.Job, n)
	for i := range jobs {
		jobs[i] = crawler.Job{URL: fmt.Sprintf("%s/page/%d", s, from+i), Method: crawler.MethodHTTP}
	}
	return jobs
}

func TestRedisOutageSurvived(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kill bool // crash (data lost) rather than a clean restart (data kept)
	}{
		{name: "restart"},
		{name: "crash", kill: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, testQueueConfig(t))
			hold := make(chan struct{})
			s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				<-hold
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte("<title>held</title>"))
			}))
			_, stop := start(t, worker.Config{Concurrency: 2, LivenessInterval: 100 * time.Millisecond}, e.deps())
			before := enqueue(t, e.q, pages(s.URL, 0, 5)...)
			waitStates(t, e.q, before, 10*time.Second)

			// A job is running when Redis goes away.
			during := enqueue(t, e.q, crawler.Job{URL: s.URL + "/held", Method: crawler.MethodHTTP})
			waitFor(t, "held job active", 5*time.Second, func() bool { return counts(t, e.q).Active == 1 })
			if tt.kill {
				e.srv.Kill()
				time.Sleep(1500 * time.Millisecond) // longer than go-redis retries: reads fail and back off
			}
			e.srv.Restart(t)
			close(hold)
			if !tt.kill {
				st := waitStates(t, e.q, during, 10*time.Second)[during[0]]
				if st.State != crawler.StateCompleted || st.Attempts != 1 {
					t.Errorf("job running across the restart: %+v, want completed at attempt 1", st)
				}
			}

			after := enqueue(t, e.q, pages(s.URL, 10, 5)...)
			for id, st := range waitStates(t, e.q, after, 15*time.Second) {
				if st.State != crawler.StateCompleted {
					t.Errorf("job %s after the outage: %+v, want completed", id, st)
				}
			}
			waitFor(t, "liveness back", 5*time.Second, func() bool { return counts(t, e.q).Workers == 1 })
			stop()
		})
	}
}
