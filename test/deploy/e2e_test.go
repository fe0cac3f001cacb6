package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// The crawl of the end-to-end test: pages whose third item is the target,
// and missing pages (404, http_4xx, a permanent error: one attempt each), so
// every job has exactly one attempt and the completed-attempts counter must
// equal the jobs enqueued.
const (
	e2eFound   = 36
	e2eMissing = 8
	e2eToken   = "e2e-token"
)

// TestLocalStackEndToEnd runs docker-compose.yaml's topology natively: a
// collector built from deploy/otelcol-builder.yaml with collector-config.yaml,
// Debian's Prometheus with deploy/prometheus/prometheus.yaml, redis-server,
// and the crawler's api, two workers, scheduler and metric-publisher
// exporting OTLP. It crawls a local site, then runs every Grafana panel's
// query through Prometheus's HTTP API.
func TestLocalStackEndToEnd(t *testing.T) {
	t.Parallel()
	lookPath(t, "prometheus", "apt-get install -y prometheus")
	lookPath(t, "redis-server", "apt-get install -y redis-server")
	collectorBin := buildCollector(t)
	crawlerBin := buildCrawler(t)

	rdb := redistest.Start(t)
	col := startCollector(t, collectorBin)
	prom := startPrometheus(t, col.prometheus)
	cw := cloudwatchtest.NewServer()
	t.Cleanup(cw.Close)
	site := e2eSite(t)

	apiAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	common := []string{
		"REDIS_URL=redis://" + rdb.Addr(),
		"API_TOKEN=" + e2eToken,
		"OTEL_SERVICE_NAME=crawler",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + col.otlpHTTP,
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_METRIC_EXPORT_INTERVAL=1000",
		"HEARTBEAT_INTERVAL=1s",
		"METRIC_PUBLISH_INTERVAL_MS=500",
		"WORKER_CONCURRENCY=2",
		"WORKER_INTERVAL_MS=100",
		"CRAWL_ALLOW_PRIVATE=true",
		"SHUTDOWN_TIMEOUT=10s",
		"LOG_FORMAT=json",
	}
	// As in docker-compose.yaml, EMF lines on stdout feed the exporter-health
	// panels; the publisher also pushes to a CloudWatch (the fake), which
	// fills the buffer panel and shows the published names arrive.
	emf := append(append([]string{}, common...), "OTEL_METRICS_EXPORTER=otlp,emf")
	publisherEnv := append(append([]string{}, common...),
		"OTEL_METRICS_EXPORTER=otlp,cloudwatch",
		"AWS_ENDPOINT_URL_CLOUDWATCH="+cw.URL(),
		"AWS_REGION="+cloudwatchtest.Region,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true",
	)
	api := startProc(t, "api", crawlerBin, []string{"--process=api"}, append(emf, "API_ADDR="+apiAddr))
	workers := []*proc{
		startProc(t, "worker-1", crawlerBin, []string{"--process=worker"}, emf),
		startProc(t, "worker-2", crawlerBin, []string{"--process=worker"}, emf),
	}
	sched := startProc(t, "scheduler", crawlerBin, []string{"--process=scheduler"}, emf)
	pub := startProc(t, "metric-publisher", crawlerBin, []string{"--process=metric-publisher"}, publisherEnv)
	waitHTTP(t, api, "http://"+apiAddr+"/readyz", time.Minute)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	// Prometheus takes its first scrape some seconds after start (target
	// discovery is batched): crawl only once both workers are being watched,
	// so the rate windows see the counters rise instead of one sample.
	waitValue(ctx, t, prom, "count(crawler_worker_heartbeat_total)", 2)
	waitValue(ctx, t, prom, `count_over_time(up{job="otel-collector"}[1m]) >= bool 3`, 1)
	ids := enqueue(ctx, t, "http://"+apiAddr, site.URL)
	failed := waitJobs(ctx, t, "http://"+apiAddr, ids, append(workers, api, sched, pub))
	if failed != e2eMissing {
		t.Errorf("%d jobs failed, want the %d missing pages", failed, e2eMissing)
	}

	// The collector pushes every second and Prometheus scrapes every second:
	// wait until the last attempts are visible, then read every panel at
	// that same instant so the rate windows hold the crawl.
	enqueued := float64(len(ids))
	waitValue(ctx, t, prom, "sum(crawler_worker_jobs_completed_total)", enqueued)
	// A rate needs two samples of a series: wait for the scrape after the
	// one that first showed the last series.
	var at time.Time
	for _, name := range []string{"crawler_worker_jobs_completed_total", "crawler_worker_errors_total", "crawler_worker_job_duration_seconds_count"} {
		at = waitValue(ctx, t, prom, "min(count_over_time("+name+"[1m])) >= bool 2", 1)
	}

	checks := []struct {
		expr string
		want float64
	}{
		{`sum(crawler_worker_jobs_completed_total{crawler_job_status="failed"})`, e2eMissing},
		{`sum(crawler_worker_jobs_completed_total{crawler_job_status="success"})`, e2eFound},
		{`sum(crawler_worker_errors_total{error_type="http_4xx"})`, e2eMissing},
		{`sum(crawler_worker_job_duration_seconds_count)`, enqueued},
		{`sum(crawler_worker_job_duration_seconds_count{crawler_job_method="http"})`, enqueued},
		{`count(increase(crawler_worker_heartbeat_total[10m]) > 0)`, 2},
		{`max(crawler_queue_workers)`, 2},
	}
	for _, c := range checks {
		got, err := promQuery(ctx, prom, c.expr, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Value != c.want {
			t.Errorf("%s = %v, want %v", c.expr, got, c.want)
		}
	}

	var queries int
	for _, path := range dashboardPaths(t) {
		for _, q := range dashboardQueries(t, path) {
			queries++
			expr := expandGrafana(q.Expr)
			got, err := promQuery(ctx, prom, expr, at)
			switch {
			case err != nil:
				t.Errorf("%s: %v", q, err)
			case len(got) == 0:
				t.Errorf("%s: no data for %s", q, expr)
			case !finite(got):
				t.Errorf("%s: %s returns %v, not numbers a panel can draw", q, expr, got)
			}
		}
	}
	t.Logf("%d panel queries return data at %s", queries, at.Format(time.RFC3339))

	checkRulesHealthy(ctx, t, prom)
	if len(cw.DatumsNamed("QueueBacklogPerWorker")) == 0 || len(cw.DatumsNamed("QueueWaitingJobs")) == 0 {
		t.Errorf("the fake CloudWatch got no queue gauges from the metric publisher; %d datums in all", len(cw.Datums()))
	}
	if !strings.Contains(workers[0].output()+workers[1].output(), `"WorkerJobsCompleted"`) {
		t.Error("no worker wrote an EMF line with WorkerJobsCompleted")
	}
}

// e2eSite serves result pages (the target third) slowly enough that the
// crawl spans several export intervals, and 404 for /missing/.
func e2eSite(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/missing/") {
			http.NotFound(w, r)
			return
		}
		select {
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>Results %s</title></head><body><ul>
<li class="item"><a href="https://one.example/">one</a></li>
<li class="item"><a href="https://two.example/">two</a></li>
<li class="item"><a href="https://target.example/page">target</a></li>
</ul></body></html>`, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type jobSpec struct {
	URL    string            `json:"url"`
	Method string            `json:"method"`
	Rank   map[string]string `json:"rank"`
}

// enqueue posts the crawl as one batch and returns the ids.
func enqueue(ctx context.Context, t *testing.T, api, site string) []string {
	t.Helper()
	var jobs []jobSpec
	rank := map[string]string{"selector": "li.item", "match": "target.example"}
	// Missing pages spread through the batch, so failures happen all along
	// the crawl as they would in life.
	every := (e2eFound + e2eMissing) / e2eMissing
	for i := range e2eFound + e2eMissing {
		path := fmt.Sprintf("/search/%d", i)
		if i%every == every-1 {
			path = fmt.Sprintf("/missing/%d", i)
		}
		jobs = append(jobs, jobSpec{URL: site + path, Method: "http", Rank: rank})
	}
	body, _ := json.Marshal(map[string]any{"jobs": jobs})
	var resp struct {
		IDs []string `json:"ids"`
	}
	if status := apiCall(ctx, t, http.MethodPost, api+"/v1/jobs", body, &resp); status != http.StatusAccepted {
		t.Fatalf("POST /v1/jobs: status %d", status)
	}
	if len(resp.IDs) != len(jobs) {
		t.Fatalf("POST /v1/jobs: %d ids for %d jobs", len(resp.IDs), len(jobs))
	}
	return resp.IDs
}

// waitJobs waits until every job is completed or failed, checks the results
// and returns how many failed.
func waitJobs(ctx context.Context, t *testing.T, api string, ids []string, procs []*proc) int {
	t.Helper()
	failed := 0
	for _, id := range ids {
		for {
			var j struct {
				State  string `json:"state"`
				Result *struct {
					Status int    `json:"status"`
					Method string `json:"method"`
					Rank   *int   `json:"rank"`
				} `json:"result"`
				Error *struct {
					Type string `json:"type"`
				} `json:"error"`
			}
			if status := apiCall(ctx, t, http.MethodGet, api+"/v1/jobs/"+id, nil, &j); status != http.StatusOK {
				t.Fatalf("GET /v1/jobs/%s: status %d", id, status)
			}
			if j.State == "completed" {
				if j.Result == nil || j.Result.Status != 200 || j.Result.Method != "http" || j.Result.Rank == nil || *j.Result.Rank != 3 {
					t.Errorf("job %s completed with %+v, want status 200, method http, rank 3", id, j.Result)
				}
				break
			}
			if j.State == "failed" {
				if j.Error == nil || j.Error.Type != "http_4xx" {
					t.Errorf("job %s failed with %+v, want http_4xx", id, j.Error)
				}
				failed++
				break
			}
			for _, p := range procs {
				if err := p.exited(); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-ctx.Done():
				t.Fatalf("job %s still %s: %v", id, j.State, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return failed
}

func apiCall(ctx context.Context, t *testing.T, method, url string, body []byte, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: status %d, decode: %v", method, url, resp.StatusCode, err)
	}
	return resp.StatusCode
}

// waitValue polls expr until it equals want and returns the instant it did.
func waitValue(ctx context.Context, t *testing.T, prom, expr string, want float64) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var last []sample
	for {
		now := time.Now()
		got, err := promQuery(ctx, prom, expr, now)
		if err == nil && len(got) == 1 && got[0].Value == want {
			return now
		}
		if err == nil {
			last = got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s = %v, want %v (last error %v)", expr, last, want, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// checkRulesHealthy fails when Prometheus could not evaluate an alert rule
// against the real series (a type error, a many-to-many match).
func checkRulesHealthy(ctx context.Context, t *testing.T, prom string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, prom+"/api/v1/rules", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range body.Data.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health != "ok" {
				t.Errorf("rule %s: health %q, error %q", r.Name, r.Health, r.LastError)
			}
		}
	}
	if n == 0 {
		t.Error("Prometheus loaded no alert rules")
	}
}
