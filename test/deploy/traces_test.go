package deploy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crawler-service/crawler/internal/redistest"
)

// TestOneJobOneTrace runs the api and a worker as separate processes on a
// real redis-server, exporting traces over OTLP to the collector built from
// deploy/otelcol-builder.yaml with collector-config.yaml, whose traces
// pipeline sends them on to a receiver the test serves. Two jobs are
// posted: one whose page answers at once, one whose page fails once (503)
// and then answers. Each job's spans from both processes form one trace:
// the API request, the enqueue under it, each attempt under the enqueue
// and the fetch under the attempt; the flaky job has two attempts in its
// trace. Meanwhile Debian's Prometheus, exemplar storage on, scrapes the
// worker's /metrics, and query_exemplars returns the job histogram's
// exemplars with these traces' ids.
func TestOneJobOneTrace(t *testing.T) {
	t.Parallel()
	promBin := lookPath(t, "prometheus", "apt-get install -y prometheus")
	lookPath(t, "redis-server", "apt-get install -y redis-server")
	collectorBin := buildCollector(t)
	crawlerBin := buildCrawler(t)

	rdb := redistest.Start(t)
	sink := newTraceSink(t)
	col := startCollector(t, collectorBin, "TRACES_OTLP_ENDPOINT="+sink.srv.URL)

	var flakyHits atomic.Int32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flaky" && flakyHits.Add(1) == 1 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><title>t</title></head><body><ul><li class="item">a</li><li class="item">target</li></ul></body></html>`)
	}))
	t.Cleanup(site.Close)

	apiAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	workerMetrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	common := []string{
		"REDIS_URL=redis://" + rdb.Addr(),
		"API_TOKEN=" + e2eToken,
		"OTEL_SERVICE_NAME=crawler",
		"OTEL_TRACES_EXPORTER=otlp",
		"OTEL_TRACES_SAMPLER=parentbased_always_on",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + col.otlpHTTP,
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_BSP_SCHEDULE_DELAY=200",
		"CRAWL_ALLOW_PRIVATE=true",
		"SHUTDOWN_TIMEOUT=10s",
		"LOG_FORMAT=json",
	}
	api := startProc(t, "api", crawlerBin, []string{"--process=api"},
		append(append([]string{}, common...), "API_ADDR="+apiAddr, "OTEL_METRICS_EXPORTER=none"))
	worker := startProc(t, "worker", crawlerBin, []string{"--process=worker"},
		append(append([]string{}, common...), "OTEL_METRICS_EXPORTER=prometheus", "METRICS_ADDR="+workerMetrics))
	waitHTTP(t, api, "http://"+apiAddr+"/readyz", time.Minute)
	waitHTTP(t, worker, "http://"+workerMetrics+"/metrics", time.Minute)
	prom := runPrometheus(t, promBin, t.TempDir(), fmt.Sprintf(`global:
  scrape_interval: 1s
scrape_configs:
  - job_name: worker
    static_configs:
      - targets: [%q]
`, workerMetrics), "--enable-feature=exemplar-storage")

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	ids := map[string]string{} // job id → path
	for _, path := range []string{"/ok", "/flaky"} {
		body, _ := json.Marshal(map[string]any{"url": site.URL + path, "method": "http"})
		var resp struct {
			ID string `json:"id"`
		}
		if status := apiCall(ctx, t, http.MethodPost, "http://"+apiAddr+"/v1/jobs", body, &resp); status != http.StatusAccepted {
			t.Fatalf("POST /v1/jobs: status %d", status)
		}
		ids[resp.ID] = path
	}
	for id := range ids {
		waitState(ctx, t, "http://"+apiAddr, id, "completed", []*proc{api, worker})
	}

	// Every span of a job's trace: wait until each job's trace holds the
	// attempts it should, with their fetches.
	for id, path := range ids {
		attempts := 1
		if path == "/flaky" {
			attempts = 2
		}
		tr := sink.waitTrace(ctx, t, id, attempts)
		checkJobTrace(t, id, tr, attempts)
	}

	// Logs: the worker's line for each job carries the job's trace id and
	// the attempt's span id.
	for id := range ids {
		checkJobLogged(t, worker.output(), id, sink)
	}

	// Exemplars: the worker records the job histogram in the attempt's
	// context, so its scrape carries trace ids Prometheus keeps.
	want := map[string]bool{}
	for id := range ids {
		want[sink.traceOf(id)] = true
	}
	for {
		got := queryExemplarTraces(ctx, t, prom, "crawler_worker_job_duration_seconds_bucket")
		found := false
		for id := range got {
			found = found || want[id]
		}
		if found {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no exemplar of crawler_worker_job_duration_seconds_bucket has one of the jobs' trace ids %v; got %v", want, got)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// checkJobTrace checks one job's trace: a server span (the API request,
// from the api process), a producer span under it, attempts consumer spans
// under that (from the worker process), each with a fetch under it and an
// HTTP client span under the fetch; every attempt but the last failed.
func checkJobTrace(t *testing.T, jobID string, tr []span, attempts int) {
	t.Helper()
	byID := map[string]span{}
	for _, s := range tr {
		byID[s.id] = s
	}
	var server, send span
	var process []span
	for _, s := range tr {
		switch {
		case s.kind == tracepb.Span_SPAN_KIND_SERVER && s.process == "api":
			server = s
		case s.kind == tracepb.Span_SPAN_KIND_PRODUCER:
			send = s
		case s.kind == tracepb.Span_SPAN_KIND_CONSUMER && s.attrs["messaging.message.id"] == jobID:
			process = append(process, s)
		}
	}
	if server.id == "" || send.id == "" || send.parent != server.id {
		t.Fatalf("job %s: no API server span with the enqueue under it: %v", jobID, tr)
	}
	if send.attrs["messaging.batch.message_count"] != "1" {
		t.Errorf("job %s: enqueue span attributes %v", jobID, send.attrs)
	}
	if len(process) != attempts {
		t.Fatalf("job %s: %d attempt spans, want %d: %v", jobID, len(process), attempts, tr)
	}
	for _, p := range process {
		if p.parent != send.id || p.process != "worker" {
			t.Errorf("job %s: attempt %v not under the enqueue span %s, or not from the worker", jobID, p, send.id)
		}
		last := p.attrs["crawler.job.attempt"] == strconv.Itoa(attempts)
		if failed := p.status == tracepb.Status_STATUS_CODE_ERROR; failed == last {
			t.Errorf("job %s: attempt %s status %v (only attempts before the last failed)", jobID, p.attrs["crawler.job.attempt"], p.status)
		}
		var fetch, client span
		for _, s := range tr {
			if s.parent == p.id && s.name == "fetch http" {
				fetch = s
			}
		}
		for _, s := range tr {
			if fetch.id != "" && s.parent == fetch.id && s.kind == tracepb.Span_SPAN_KIND_CLIENT {
				client = s
			}
		}
		if fetch.id == "" || client.id == "" {
			t.Errorf("job %s attempt %s: no fetch http span with an HTTP client span under it", jobID, p.attrs["crawler.job.attempt"])
		}
	}
}

// checkJobLogged finds the worker's "job done" line of jobID and checks
// that its trace_id and span_id are those of the job's last attempt.
func checkJobLogged(t *testing.T, output, jobID string, sink *traceSink) {
	t.Helper()
	for _, line := range strings.Split(output, "\n") {
		var l struct {
			Msg     string `json:"msg"`
			JobID   string `json:"job_id"`
			TraceID string `json:"trace_id"`
			SpanID  string `json:"span_id"`
		}
		if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "job done" || l.JobID != jobID {
			continue
		}
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for _, sp := range sink.spans {
			if sp.kind == tracepb.Span_SPAN_KIND_CONSUMER && sp.attrs["messaging.message.id"] == jobID && sp.id == l.SpanID && sp.trace == l.TraceID {
				return
			}
		}
		t.Errorf("job %s: log line has trace_id %q span_id %q, which is none of its attempts", jobID, l.TraceID, l.SpanID)
		return
	}
	t.Errorf("job %s: no \"job done\" line in the worker's log", jobID)
}

// span is what the test reads of an exported span.
type span struct {
	trace, id, parent, name string
	kind                    tracepb.Span_SpanKind
	status                  tracepb.Status_StatusCode
	attrs                   map[string]string
	process                 string // the resource's crawler.process
}

// traceSink is an OTLP/HTTP traces receiver: what the collector exports.
type traceSink struct {
	srv   *httptest.Server
	mu    sync.Mutex
	spans []span
}

func newTraceSink(t *testing.T) *traceSink {
	s := &traceSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.export))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *traceSink) export(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" {
		http.NotFound(w, r)
		return
	}
	var body io.Reader = io.LimitReader(r.Body, 64<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	var req collectortrace.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(raw, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		process := attrMap(rs.GetResource().GetAttributes())["crawler.process"]
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				s.spans = append(s.spans, span{
					trace: hex.EncodeToString(sp.GetTraceId()), id: hex.EncodeToString(sp.GetSpanId()),
					parent: hex.EncodeToString(sp.GetParentSpanId()), name: sp.GetName(), kind: sp.GetKind(),
					status: sp.GetStatus().GetCode(), attrs: attrMap(sp.GetAttributes()), process: process,
				})
			}
		}
	}
	s.mu.Unlock()
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// traceOf is the trace id of jobID's attempts, "" before one arrived.
func (s *traceSink) traceOf(jobID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.spans {
		if sp.attrs["messaging.message.id"] == jobID {
			return sp.trace
		}
	}
	return ""
}

// waitTrace returns jobID's trace once it holds attempts attempt spans and
// a fetch under each (spans of one trace arrive in several exports).
func (s *traceSink) waitTrace(ctx context.Context, t *testing.T, jobID string, attempts int) []span {
	t.Helper()
	for {
		var tr []span
		if id := s.traceOf(jobID); id != "" {
			s.mu.Lock()
			for _, sp := range s.spans {
				if sp.trace == id {
					tr = append(tr, sp)
				}
			}
			s.mu.Unlock()
		}
		consumers, fetches := 0, 0
		for _, sp := range tr {
			if sp.kind == tracepb.Span_SPAN_KIND_CONSUMER {
				consumers++
			}
			if sp.kind == tracepb.Span_SPAN_KIND_CLIENT {
				fetches++
			}
		}
		if consumers >= attempts && fetches >= attempts {
			return tr
		}
		select {
		case <-ctx.Done():
			t.Fatalf("job %s: trace has %d attempts and %d HTTP client spans, want %d each: %v", jobID, consumers, fetches, attempts, tr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		v := kv.GetValue()
		switch x := v.GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.GetKey()] = x.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.GetKey()] = strconv.FormatInt(x.IntValue, 10)
		default:
			m[kv.GetKey()] = fmt.Sprint(v)
		}
	}
	return m
}

// waitState polls GET /v1/jobs/{id} until the job is in state.
func waitState(ctx context.Context, t *testing.T, api, id, state string, procs []*proc) {
	t.Helper()
	for {
		var j struct {
			State string `json:"state"`
		}
		if status := apiCall(ctx, t, http.MethodGet, api+"/v1/jobs/"+id, nil, &j); status != http.StatusOK {
			t.Fatalf("GET /v1/jobs/%s: status %d", id, status)
		}
		if j.State == state {
			return
		}
		for _, p := range procs {
			if err := p.exited(); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("job %s still %s, want %s: %v", id, j.State, state, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// queryExemplarTraces returns the trace ids of the exemplars Prometheus
// holds for query over the last ten minutes.
func queryExemplarTraces(ctx context.Context, t *testing.T, prom, query string) map[string]bool {
	t.Helper()
	now := time.Now()
	u := prom + "/api/v1/query_exemplars?" + url.Values{
		"query": {query}, "start": {strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)}, "end": {strconv.FormatInt(now.Unix()+1, 10)},
	}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("query_exemplars: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Status string `json:"status"`
		Data   []struct {
			Exemplars []struct {
				Labels map[string]string `json:"labels"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Status != "success" {
		t.Fatalf("query_exemplars: status %d %s (%v)", resp.StatusCode, bytes.TrimSpace(raw), err)
	}
	ids := map[string]bool{}
	for _, d := range out.Data {
		for _, e := range d.Exemplars {
			ids[e.Labels["trace_id"]] = true
		}
	}
	return ids
}
