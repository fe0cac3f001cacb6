package worker_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/syncbuf"
	"github.com/crawler-service/crawler/internal/worker"
)

func TestJobsComplete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	s := site(t, nil)
	const n = 20
	jobs := make([]crawler.Job, n)
	for i := range jobs {
		jobs[i] = crawler.Job{URL: s.URL + "/page/" + string(rune('a'+i)) + "?token=secret", Method: crawler.MethodHTTP,
			Rank: &crawler.RankSpec{Selector: "li.item", Match: "target.example"}}
	}
	ids := enqueue(t, e.q, jobs...)
	_, stop := start(t, worker.Config{Concurrency: 4, LivenessInterval: 100 * time.Millisecond}, e.deps())

	states := waitStates(t, e.q, ids, 10*time.Second)
	for i, id := range ids {
		st := states[id]
		r := st.Result
		want := "Page " + string(rune('a'+i))
		if st.State != crawler.StateCompleted || r == nil || r.Status != 200 || r.Title != want ||
			r.Rank == nil || *r.Rank != 3 || r.Method != crawler.MethodHTTP || r.Bytes == 0 {
			t.Fatalf("job %d: %+v result %+v; want completed, 200, %q, rank 3, http", i, st, r, want)
		}
	}
	stop()
	m := collect(t, e.reader)
	if m.completed["success"] != n || m.durations[[2]string{"success", "http"}] != n || len(m.errors) != 0 {
		t.Errorf("metrics = %+v; want %d successes by http and no errors", m, n)
	}
	if m.heartbeat < 1 {
		t.Errorf("heartbeat = %d, want at least one", m.heartbeat)
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	ok := &fetch.Page{Status: 200}
	panicky := fetch.FetcherFunc(func(_ context.Context, req fetch.Request) (*fetch.Page, error) {
		if strings.Contains(req.URL.Path, "panic") {
			panic("fetcher bug at https://h.example/p?token=secret")
		}
		return ok, nil
	})
	// A library's error quotes the URL it was given, query and all.
	quoting := fetch.FetcherFunc(func(_ context.Context, req fetch.Request) (*fetch.Page, error) {
		if strings.Contains(req.URL.Path, "quote") {
			return nil, crawler.Errorf(crawler.ErrParse, `parse "https://h.example/p?token=secret": bad`)
		}
		return ok, nil
	})
	tests := []struct {
		name         string
		method       crawler.Method
		path         string
		fetcher      fetch.Fetcher // nil: the real HTTP fetcher
		wantType     crawler.ErrorType
		wantAttempts int
		wantMessage  string
		wantMethod   string
	}{
		{name: "500 is retried then fails", method: crawler.MethodHTTP, path: "/500", wantType: crawler.ErrHTTP5xx, wantAttempts: 3, wantMessage: "status 500", wantMethod: "http"},
		{name: "404 fails at once", method: crawler.MethodHTTP, path: "/404", wantType: crawler.ErrHTTP4xx, wantAttempts: 1, wantMessage: "status 404", wantMethod: "http"},
		{name: "error quoting a URL", method: crawler.MethodHTTP, path: "/quote", fetcher: quoting, wantType: crawler.ErrParse, wantAttempts: 1, wantMessage: `"https://h.example/p"`, wantMethod: "http"},
		{name: "redirect loop", method: crawler.MethodHTTP, path: "/loop?token=secret", wantType: crawler.ErrHTTP4xx, wantAttempts: 1, wantMessage: "too many redirects", wantMethod: "http"},
		{name: "browser without browser fails at once", method: crawler.MethodBrowser, path: "/page/x", wantType: crawler.ErrBrowser, wantAttempts: 1, wantMessage: "no browser in this process", wantMethod: "browser"},
		{name: "panic is an internal error", method: crawler.MethodHTTP, path: "/panic", fetcher: panicky, wantType: crawler.ErrInternal, wantAttempts: 3, wantMessage: "panicked: fetcher bug", wantMethod: "http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, testQueueConfig(t))
			s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/500":
					w.WriteHeader(500)
				case "/loop":
					http.Redirect(w, r, "/loop?token=secret", http.StatusFound)
				default:
					w.WriteHeader(404)
				}
			}))
			deps := e.deps()
			var logs syncbuf.Buffer
			deps.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			if tt.fetcher != nil {
				deps.Jobs = pipelineOf(t, tt.fetcher)
			}
			bad := enqueue(t, e.q, crawler.Job{URL: s.URL + tt.path, Method: tt.method})[0]
			_, stop := start(t, worker.Config{Concurrency: 2}, deps)
			st := waitStates(t, e.q, []string{bad}, 10*time.Second)[bad]
			if st.State != crawler.StateFailed || st.Attempts != tt.wantAttempts || st.Error == nil ||
				st.Error.Type != tt.wantType || !strings.Contains(st.Error.Message, tt.wantMessage) {
				t.Fatalf("status = %+v (error %+v); want failed after %d attempts with %s %q",
					st, st.Error, tt.wantAttempts, tt.wantType, tt.wantMessage)
			}
			if strings.Contains(st.Error.Message, "token=") {
				t.Errorf("the stored error holds a query string: %q", st.Error.Message)
			}
			// The worker keeps going after a failure, panics included.
			good := enqueue(t, e.q, crawler.Job{URL: s.URL + "/page/ok", Method: crawler.MethodHTTP})[0]
			if st := waitStates(t, e.q, []string{good}, 10*time.Second)[good]; st.State != crawler.StateCompleted {
				t.Fatalf("next job after the failure: %+v, want completed", st)
			}
			stop()
			if !strings.Contains(logs.String(), `"msg":"job failed"`) || strings.Contains(logs.String(), "token=") {
				t.Errorf("want a job failed line and no query string in the log:\n%s", logs.String())
			}
			m := collect(t, e.reader)
			failed := int64(tt.wantAttempts)
			if m.completed["failed"] != failed || m.completed["success"] != 1 || m.errors[string(tt.wantType)] != failed ||
				len(m.errors) != 1 || m.durations[[2]string{"failed", tt.wantMethod}] != uint64(failed) {
				t.Errorf("metrics = %+v; want %d failed attempts (%s, by %s) and 1 success", m, failed, tt.wantType, tt.wantMethod)
			}
		})
	}
}

func TestConcurrencyAndInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		concurrency int
		interval    time.Duration
		jobs        int
		hold        time.Duration
	}{
		{name: "three slots", concurrency: 3, jobs: 12, hold: 100 * time.Millisecond},
		{name: "one slot", concurrency: 1, jobs: 4, hold: 20 * time.Millisecond},
		{name: "interval between jobs of a slot", concurrency: 1, interval: 150 * time.Millisecond, jobs: 4},
		{name: "interval per slot", concurrency: 2, interval: 200 * time.Millisecond, jobs: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, testQueueConfig(t))
			var inFlight, peak atomic.Int64
			var starts = make(chan time.Time, tt.jobs)
			s := site(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				starts <- time.Now()
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(tt.hold)
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte("<title>x</title>"))
			}))
			jobs := make([]crawler.Job, tt.jobs)
			for i := range jobs {
				jobs[i] = crawler.Job{URL: s.URL + "/slow", Method: crawler.MethodHTTP}
			}
			ids := enqueue(t, e.q, jobs...)
			_, stop := start(t, worker.Config{Concurrency: tt.concurrency, Interval: tt.interval}, e.deps())
			begin := time.Now()
			waitStates(t, e.q, ids, 20*time.Second)
			took := time.Since(begin)
			stop()

			// Requests that hold the slot for a while must fill every slot.
			if got := peak.Load(); got > int64(tt.concurrency) || (tt.hold > 0 && got != int64(tt.concurrency)) {
				t.Errorf("peak in-flight requests = %d, want %d", got, tt.concurrency)
			}
			// Each slot runs jobs/concurrency jobs with an interval after
			// each but the last it runs.
			rounds := (tt.jobs + tt.concurrency - 1) / tt.concurrency
			if minimum := time.Duration(rounds-1) * (tt.interval + tt.hold); took < minimum {
				t.Errorf("%d jobs took %s, want at least %s", tt.jobs, took, minimum)
			}
			if tt.concurrency == 1 && tt.interval > 0 {
				close(starts)
				var prev time.Time
				for s := range starts {
					if !prev.IsZero() && s.Sub(prev) < tt.interval {
						t.Errorf("requests %s apart, want at least the interval %s", s.Sub(prev), tt.interval)
					}
					prev = s
				}
			}
		})
	}
}

func TestLivenessVisible(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	_, stop := start(t, worker.Config{LivenessInterval: 50 * time.Millisecond}, e.deps())
	waitFor(t, "one live worker", 5*time.Second, func() bool { return counts(t, e.q).Workers == 1 })
	stop()
	if c := counts(t, e.q); c.Workers != 0 {
		t.Errorf("live workers after Run returned = %d, want 0", c.Workers)
	}
}
