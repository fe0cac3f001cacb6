package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/internal/worker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}

// env is one test's world: a redis-server, a queue, a metrics reader and
// the real fetch pipeline over a real HTTP fetcher allowed onto loopback.
type env struct {
	srv     *redistest.Server
	q       *queue.Queue
	reader  *sdkmetric.ManualReader
	metrics *metrics.Worker
	http    *httpfetch.Fetcher
	jobs    *fetch.Pipeline
}

// testQueueConfig makes retries and reclaims fast enough for tests.
func testQueueConfig(t testing.TB) queue.Config {
	return queue.Config{
		Keys:         keyspace.Keys(strings.ReplaceAll(t.Name(), "/", "_")),
		Lease:        3 * time.Second,
		ReclaimEvery: 200 * time.Millisecond,
		PromoteEvery: 50 * time.Millisecond,
		MaxAttempts:  3,
		BackoffBase:  10 * time.Millisecond,
		BackoffMax:   20 * time.Millisecond,
	}
}

func newEnv(t testing.TB, qcfg queue.Config) *env {
	t.Helper()
	srv := redistest.Start(t)
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	m, err := metrics.NewWorker(mp)
	if err != nil {
		t.Fatal(err)
	}
	f := httpfetch.New(httpfetch.Config{Policy: netguard.Policy{AllowPrivate: true}, MaxIdleConnsPerHost: 64})
	t.Cleanup(func() { _ = f.Close() })
	return &env{srv: srv, q: queue.New(srv.Client(), qcfg), reader: r, metrics: m, http: f, jobs: pipelineOf(t, f)}
}

// pipelineOf is the fetch pipeline with http as its only fetcher.
func pipelineOf(t testing.TB, http fetch.Fetcher) *fetch.Pipeline {
	t.Helper()
	p, err := fetch.New(fetch.Config{Policy: netguard.Policy{AllowPrivate: true}, Hosts: fetch.NewHostLimiter(64, 0),
		Timeout: 10 * time.Second, Fetchers: map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: http}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runnerFunc adapts a function to worker.Runner.
type runnerFunc func(ctx context.Context, job crawler.Job) (crawler.Result, crawler.Method, error)

func (f runnerFunc) Run(ctx context.Context, job crawler.Job) (crawler.Result, crawler.Method, error) {
	return f(ctx, job)
}

// deps are the env's worker dependencies, with no browser.
func (e *env) deps() worker.Deps {
	return worker.Deps{Queue: e.q, Jobs: e.jobs, Metrics: e.metrics, Logger: testLogger()}
}

// start runs a worker until the test ends or the returned stop is called;
// stop waits for Run and fails the test if it returns an error or hangs.
func start(t testing.TB, cfg worker.Config, deps worker.Deps) (w *worker.Worker, stop func() time.Duration) {
	t.Helper()
	w, err := worker.New(cfg, deps)
	if err != nil {
		t.Fatalf("worker.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var took time.Duration
	stop = func() time.Duration {
		once.Do(func() {
			begin := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v, want nil", err)
				}
			case <-time.After(cfg.DrainTimeout + 15*time.Second):
				t.Errorf("Run did not return after cancel")
			}
			took = time.Since(begin)
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return w, stop
}

func enqueue(t testing.TB, q *queue.Queue, jobs ...crawler.Job) []string {
	t.Helper()
	reqs := make([]queue.EnqueueRequest, len(jobs))
	for i, j := range jobs {
		reqs[i].Job = j
	}
	ids, err := q.Enqueue(context.Background(), reqs)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return ids
}

// waitStates waits until every job is in a final state and returns them.
func waitStates(t *testing.T, q *queue.Queue, ids []string, within time.Duration) map[string]crawler.Status {
	t.Helper()
	out := map[string]crawler.Status{}
	deadline := time.Now().Add(within)
	for {
		for _, id := range ids {
			st, err := q.Status(context.Background(), id)
			if err == nil && (st.State == crawler.StateCompleted || st.State == crawler.StateFailed) {
				out[id] = st
			}
		}
		if len(out) == len(ids) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs final within %s", len(out), len(ids), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func counts(t *testing.T, q *queue.Queue) crawler.QueueCounts {
	t.Helper()
	c, err := q.Counts(context.Background())
	if err != nil {
		t.Fatalf("counts: %v", err)
	}
	return c
}

// site serves HTML pages: /page/N has a title and three ranked items.
func site(t testing.TB, extra http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/page/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>Page %s</title></head><body><ul>
<li class="item"><a href="https://a.example/">A</a></li>
<li class="item"><a href="https://b.example/">B</a></li>
<li class="item"><a href="https://target.example/">T</a></li></ul></body></html>`, strings.TrimPrefix(r.URL.Path, "/page/"))
	})
	if extra != nil {
		mux.Handle("/", extra)
	}
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// metricView is what a ManualReader collected, keyed for assertions.
type metricView struct {
	durations map[[2]string]uint64 // status, method → count
	completed map[string]int64     // status → count
	errors    map[string]int64     // error type → count
	heartbeat int64
}

func collect(t *testing.T, r *sdkmetric.ManualReader) metricView {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	v := metricView{durations: map[[2]string]uint64{}, completed: map[string]int64{}, errors: map[string]int64{}}
	attr := func(s attribute.Set, k string) string { val, _ := s.Value(attribute.Key(k)); return val.AsString() }
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch m.Name {
			case metrics.JobDuration.Name:
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					v.durations[[2]string{attr(dp.Attributes, metrics.AttrStatus), attr(dp.Attributes, metrics.AttrMethod)}] += dp.Count
				}
			case metrics.JobsCompleted.Name:
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					if dp.Value != 0 { // both statuses start at zero: keep those that happened
						v.completed[attr(dp.Attributes, metrics.AttrStatus)] += dp.Value
					}
				}
			case metrics.WorkerErrors.Name:
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					if dp.Value != 0 { // every error type starts at zero: keep those that happened
						v.errors[attr(dp.Attributes, metrics.AttrErrorType)] += dp.Value
					}
				}
			case metrics.WorkerHeartbeat.Name:
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					v.heartbeat += dp.Value
				}
			}
		}
	}
	return v
}
