package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

func TestSIGTERMDrainsWorker(t *testing.T) {
	t.Parallel()
	const concurrency, extra = 4, 6
	tests := []struct {
		name     string
		shutdown time.Duration // SHUTDOWN_TIMEOUT
		// hold keeps the in-flight pages unanswered past the drain, so
		// the worker must give its jobs back instead of finishing them.
		hold bool
	}{
		{name: "in-flight jobs finish", shutdown: 13 * time.Second}, // 4 s for jobs of 2 s: 13 less 9 (see docs/commands.md)
		{name: "jobs outlasting the drain are given back", shutdown: 3 * time.Second, hold: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s := newSite(t, 1500*time.Millisecond, 2*time.Second)
			c := newCluster(t, s)
			c.startAPI(nil)
			env := map[string]string{
				"WORKER_CONCURRENCY": fmt.Sprint(concurrency), "CRAWL_PER_HOST_CONCURRENCY": fmt.Sprint(concurrency),
				"SHUTDOWN_TIMEOUT": tt.shutdown.String(),
			}
			w1 := c.start("worker-1", "worker", env)

			prefix := "/p/drain-"
			if tt.hold {
				prefix = "/hold/drain-"
			}
			busy := make([]string, concurrency)
			for i := range busy {
				busy[i] = fmt.Sprintf("%s%d", prefix, i)
			}
			busyIDs, err := c.api.postJobs(ctx, pageJobs(s, busy))
			if err != nil {
				t.Fatal(err)
			}
			// Every slot busy before more work arrives: the rest must wait.
			if err := s.waitInFlight(ctx, concurrency); err != nil {
				t.Fatal(err)
			}
			waiting := pagePaths("drain-waiting", extra)
			waitingIDs, err := c.api.postJobs(ctx, pageJobs(s, waiting))
			if err != nil {
				t.Fatal(err)
			}

			code, took := w1.terminate(tt.shutdown + 10*time.Second)
			t.Logf("SIGTERM with %d jobs in flight (SHUTDOWN_TIMEOUT=%s): exit %d after %s",
				concurrency, tt.shutdown, code, took.Round(time.Millisecond))
			if code != 0 {
				t.Errorf("exit code %d after SIGTERM, want 0", code)
			}
			if took > tt.shutdown {
				t.Errorf("exit took %s, want within SHUTDOWN_TIMEOUT=%s", took.Round(time.Millisecond), tt.shutdown)
			}
			if n := sum(s.fetches(waiting)); n != 0 {
				t.Errorf("a stopping worker fetched %d pages queued after its slots were full", n)
			}

			// After the exit nothing may be left leased to the dead worker.
			qc, err := c.api.queue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantWaiting := int64(extra)
			if tt.hold {
				wantWaiting += concurrency
			}
			if qc.Active != 0 || qc.Waiting != wantWaiting || qc.Failed != 0 {
				t.Errorf("queue after exit %+v: want active 0, waiting %d, failed 0", qc, wantWaiting)
			}
			for i, id := range busyIDs {
				st, err := c.api.job(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				want := crawler.StateCompleted
				if tt.hold {
					want = crawler.StateWaiting
				}
				if st.State != want {
					t.Errorf("%s after exit: state %s, want %s", busy[i], st.State, want)
				}
			}

			// A second worker finishes everything, long before a lease
			// (30 s) could have expired: given-back jobs are free at once.
			s.release()
			w2 := c.start("worker-2", "worker", env)
			rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
			defer rcancel()
			statuses := c.waitCompleted(rctx, append(busyIDs, waitingIDs...))
			for i, id := range busyIDs {
				checkResult(t, busy[i], statuses[id])
			}
			for i, id := range waitingIDs {
				checkResult(t, waiting[i], statuses[id])
			}
			_, dupPaths, dupFetches := dupStats(s.fetches(append(busy, waiting...)))
			t.Logf("all %d jobs completed; %d pages fetched twice (%d extra fetches: aborted by the stop and fetched again)",
				len(statuses), dupPaths, dupFetches)
			if code, took := w2.terminate(tt.shutdown + 10*time.Second); code != 0 {
				t.Errorf("worker-2: exit %d after SIGTERM (%s), want 0", code, took)
			}
		})
	}
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

// A collector that takes spans and never answers must not keep a
// stopping worker past SHUTDOWN_TIMEOUT: the last export has its share of
// the budget, not 10 s on top of it.
func TestShutdownWithAHangingCollector(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hang := make(chan struct{})
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); collector.Close() })
	s := newSite(t, 0, 0)
	c := newCluster(t, s)
	c.startAPI(nil)
	const shutdown = 8 * time.Second
	w := c.start("worker-1", "worker", map[string]string{
		"SHUTDOWN_TIMEOUT":     shutdown.String(),
		"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collector.URL + "/v1/traces",
		"OTEL_BSP_SCHEDULE_DELAY": "60000", // every span still queued at the stop
	})
	ids, err := c.api.postJobs(ctx, pageJobs(s, pagePaths("hang", 5)))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		waitState(ctx, t, c, id, crawler.StateCompleted)
	}
	code, took := w.terminate(shutdown + 20*time.Second)
	t.Logf("SIGTERM with spans queued for a hanging collector: exit %d after %s", code, took.Round(time.Millisecond))
	if code != 0 || took > shutdown {
		t.Errorf("exit %d after %s, want 0 within SHUTDOWN_TIMEOUT=%s", code, took.Round(time.Millisecond), shutdown)
	}
}
