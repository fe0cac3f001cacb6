package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/syncbuf"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// site serves a search-like page whose third item links to the target.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCommandLineErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"unknown flag", []string{"--bogus"}, nil, 2, "flag provided but not defined"},
		{"unknown process", []string{"--process=crawl"}, nil, 2, "api, worker, scheduler, metric-publisher, all"},
		{"stray argument", []string{"serve"}, nil, 2, "valid commands are crawl, healthcheck, version"},
		{"worker without redis", []string{"--process=worker"}, nil, 2, "REDIS_URL is required"},
		{"bad variable", nil, map[string]string{"WORKER_CONCURRENCY": "lots"}, 2, "WORKER_CONCURRENCY"},
		{"unknown exporter", nil, map[string]string{"OTEL_METRICS_EXPORTER": "statsd", "API_ADDR": "127.0.0.1:0"}, 2, "prometheus, cloudwatch, emf, otlp, console, none"},
		{"crawl without urls", []string{"crawl"}, nil, 2, "at least one URL"},
		{"crawl bad method", []string{"crawl", "--method=ftp", "http://x/"}, nil, 2, "auto, http or browser"},
		{"version with a flag", []string{"version", "--bogus"}, nil, 2, "flag provided but not defined"},
		{"version with an argument", []string{"version", "now"}, nil, 2, `unexpected argument "now"`},
		{"jobs without a command", []string{"jobs"}, nil, 2, "name a command: submit, get"},
		{"unknown schedules command", []string{"schedules", "stop"}, nil, 2, `unknown command "stop": valid are list, get, pause, resume, trigger, delete`},
		{"jobs get without an id", []string{"jobs", "get"}, nil, 2, "Usage: crawler jobs get [flags] ID..."},
		{"schedules get of two", []string{"schedules", "get", "a", "b"}, nil, 2, "got 2 arguments"},
		{"queue stats bad flag", []string{"queue", "stats", "--bogus"}, nil, 2, "flag provided but not defined"},
		{"bad API_URL", []string{"queue", "stats"}, map[string]string{"API_URL": "127.0.0.1:8080"}, 2, "API_URL"},
		{"submit selector without match", []string{"jobs", "submit", "--selector=li", "http://x/"}, map[string]string{"API_URL": "http://127.0.0.1:1"}, 2, "--selector and --match go together"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut syncbuf.Buffer
			err := run(context.Background(), tc.args, envOf(tc.env), &out, &errOut)
			if code := exitCode(err); code != tc.wantCode {
				t.Errorf("exit code %d, want %d (err %v)", code, tc.wantCode, err)
			}
			if !strings.Contains(errOut.String()+fmt.Sprint(err), tc.wantErr) {
				t.Errorf("stderr %q does not mention %q", errOut.String(), tc.wantErr)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	var out, errOut syncbuf.Buffer
	if err := run(context.Background(), []string{"version"}, envOf(nil), &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "crawler ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"--help"}, envOf(nil), &out, &errOut); err != nil || !strings.Contains(errOut.String(), "--process") {
		t.Errorf("help: %q %v", errOut.String(), err)
	}
	var vOut, vErr syncbuf.Buffer
	if err := run(context.Background(), []string{"version", "--help"}, envOf(nil), &vOut, &vErr); err != nil ||
		vOut.String() != "" || !strings.Contains(vErr.String(), "Usage: crawler version") {
		t.Errorf("version --help: stdout %q, stderr %q, %v; want usage on stderr only", vOut.String(), vErr.String(), err)
	}
}

func TestCrawlJSON(t *testing.T) {
	t.Parallel()
	s := site(t)
	var out, errOut syncbuf.Buffer
	// Flags may follow URLs.
	err := run(context.Background(), []string{"crawl", "--allow-private", "--selector", "li.item",
		s.URL + "/a?secret=1", "--json", "http://169.254.169.254/latest/meta-data/", "--match", "target.example", "ftp://x/?secret=2"},
		envOf(nil), &out, &errOut)
	if exitCode(err) != 1 || !strings.Contains(fmt.Sprint(err), "2 of 3 URLs failed") {
		t.Errorf("crawl: %v, want exit 1 for 2 of 3 URLs failed (%s)", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 3 results and a summary, got %q", out.String())
	}
	var first, second, third crawlLine
	_ = json.Unmarshal([]byte(lines[0]), &first)
	_ = json.Unmarshal([]byte(lines[1]), &second)
	_ = json.Unmarshal([]byte(lines[2]), &third)
	if first.Result == nil || first.Result.Rank == nil || *first.Result.Rank != 3 || first.Result.Title != "Results /a" {
		t.Errorf("first = %s", lines[0])
	}
	if strings.Contains(out.String(), "secret") {
		t.Errorf("a query string was printed: %s", out.String())
	}
	// --allow-private allows loopback, but the metadata address is link-local and still refused.
	if second.Error == nil || second.Error.Type != "blocked" {
		t.Errorf("metadata address not blocked: %s", lines[1])
	}
	if third.Error == nil || third.Error.Type != "parse" {
		t.Errorf("ftp URL: %s, want a parse error", lines[2])
	}
	// Refused URLs count in the summary like any failure.
	if !strings.Contains(lines[3], `"summary"`) || !strings.Contains(lines[3], `"errors":{"blocked":1,"parse":1}`) {
		t.Errorf("summary %s, want one blocked and one parse error", lines[3])
	}
}

// TestAllEndToEnd runs every process in one on the embedded Redis, posts a
// batch against a local site, waits for the ranks, reads /metrics and stops
// on cancel as SIGTERM would.
func TestAllEndToEnd(t *testing.T) {
	t.Parallel()
	s := site(t)
	addr := freeAddr(t)
	env := map[string]string{
		"API_ADDR": addr, "API_TOKEN": "test-token", "CRAWL_ALLOW_PRIVATE": "true",
		"METRIC_PUBLISH_INTERVAL_MS": "200", "WORKER_CONCURRENCY": "4", "SHUTDOWN_TIMEOUT": "5s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, envOf(env), &out, &errOut) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not stop within 30s of cancel")
		}
		if t.Failed() {
			t.Logf("stderr:\n%s", errOut.String())
		}
	})
	base := "http://" + addr
	waitHealthy(t, base)
	if !strings.Contains(errOut.String(), "EMBEDDED") {
		t.Errorf("the embedded Redis was not announced: %s", errOut.String())
	}

	do := func(method, path, body, token string) (int, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := do("POST", "/v1/jobs", `{"url":"`+s.URL+`/"}`, ""); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	var batch strings.Builder
	batch.WriteString(`{"jobs":[`)
	const n = 20
	for i := range n {
		if i > 0 {
			batch.WriteString(",")
		}
		fmt.Fprintf(&batch, `{"url":"%s/q%d","method":"http","rank":{"selector":"li.item","match":"target.example"}}`, s.URL, i)
	}
	batch.WriteString("]}")
	code, body := do("POST", "/v1/jobs", batch.String(), "test-token")
	if code != 202 {
		t.Fatalf("batch: %d %s", code, body)
	}
	var ids struct{ IDs []string }
	if err := json.Unmarshal(body, &ids); err != nil || len(ids.IDs) != n {
		t.Fatalf("batch answer %s", body)
	}
	for _, id := range ids.IDs {
		var st struct {
			State  string
			Result struct {
				Rank   *int
				Method string
			}
		}
		waitFor(t, 20*time.Second, func() bool {
			_, b := do("GET", "/v1/jobs/"+id, "", "test-token")
			_ = json.Unmarshal(b, &st)
			return st.State == "completed" || st.State == "failed"
		})
		if st.State != "completed" || st.Result.Rank == nil || *st.Result.Rank != 3 || st.Result.Method != "http" {
			t.Errorf("job %s: %+v", id, st)
		}
	}
	var metricsText string
	waitFor(t, 10*time.Second, func() bool {
		_, b := do("GET", "/metrics", "", "")
		metricsText = string(b)
		return strings.Contains(metricsText, "crawler_queue_waiting")
	})
	for _, want := range []string{
		`crawler_worker_jobs_completed_total{crawler_job_status="success"`,
		"crawler_worker_job_duration_seconds_bucket",
		"crawler_queue_waiting",
		"crawler_queue_workers",
	} {
		if !strings.Contains(metricsText, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestMetricsAddrOfAll: METRICS_ADDR moves /metrics off the API's listener
// for all (and api), where it is only the default.
func TestMetricsAddrOfAll(t *testing.T) {
	t.Parallel()
	apiAddr, metricsAddr := freeAddr(t), freeAddr(t)
	env := map[string]string{"API_ADDR": apiAddr, "METRICS_ADDR": metricsAddr, "API_TOKEN": "t", "SHUTDOWN_TIMEOUT": "5s"}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, envOf(env), &out, &errOut) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v", err)
		}
	}()
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var body string
	waitFor(t, 20*time.Second, func() bool {
		var code int
		code, body = get("http://" + metricsAddr + "/metrics")
		return code == 200
	})
	if !strings.Contains(body, "crawler_worker_heartbeat") && !strings.Contains(body, "target_info") {
		t.Errorf("METRICS_ADDR /metrics does not look like ours:\n%.500s", body)
	}
	if code, _ := get("http://" + apiAddr + "/metrics"); code != 404 {
		t.Errorf("the API's /metrics answered %d, want 404 when METRICS_ADDR is elsewhere", code)
	}
	if code, _ := get("http://" + apiAddr + "/healthz"); code != 200 {
		t.Errorf("the API's /healthz answered %d", code)
	}
}

// waitHealthy waits up to 20 s for base's /healthz to answer 200.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	waitFor(t, 20*time.Second, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func waitFor(t *testing.T, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestParseInterleaved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantURLs []string
		wantJSON bool
	}{
		{[]string{"a", "--json", "b"}, []string{"a", "b"}, true},
		{[]string{"--json", "a"}, []string{"a"}, true},
		{[]string{"a", "b"}, []string{"a", "b"}, false},
		{[]string{"-"}, []string{"-"}, false}, // the flag package's lone "-" is an argument
		{[]string{"a", "-", "--json"}, []string{"a", "-"}, true},
		{[]string{"a", "--", "--json", "-x"}, []string{"a", "--json", "-x"}, false},
		{[]string{"--match", "--", "a"}, []string{"a"}, false},
		{nil, nil, false},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		asJSON := fs.Bool("json", false, "")
		fs.String("match", "", "")
		done := make(chan struct{})
		var urls []string
		var err error
		go func() { defer close(done); urls, err = parseInterleaved(fs, tt.args) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("parseInterleaved(%q) did not return", tt.args)
		}
		if err != nil || !slices.Equal(urls, tt.wantURLs) || *asJSON != tt.wantJSON {
			t.Errorf("parseInterleaved(%q) = %q, json %v, %v; want %q, json %v", tt.args, urls, *asJSON, err, tt.wantURLs, tt.wantJSON)
		}
	}
}

func TestSameListener(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{":8080", "127.0.0.1:8080", true},
		{"0.0.0.0:8080", ":8080", true},
		{"[::]:8080", "10.0.0.1:8080", true},
		{":9464", ":8080", false},
		{"127.0.0.1:8080", "10.0.0.1:8080", false},
	} {
		if got := sameListener(tt.a, tt.b); got != tt.want {
			t.Errorf("sameListener(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestRedisURLErrorsHideValues: go-redis quotes the option values it could
// not read, and a REDIS_URL option may hold a secret.
func TestRedisURLErrorsHideValues(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"redis://localhost:6379/0?dial_timeout=SECRET1", "redis://localhost:6379/0?db=SECRET2", "redis://localhost:6379/SECRET3"} {
		var out, errOut syncbuf.Buffer
		err := run(context.Background(), []string{"--process=worker"}, envOf(map[string]string{"REDIS_URL": raw}), &out, &errOut)
		text := errOut.String() + fmt.Sprint(err) + out.String()
		if err == nil || !strings.Contains(text, "REDIS_URL") {
			t.Errorf("%s: err %v, want a REDIS_URL error", raw, err)
		}
		if strings.Contains(text, "SECRET") {
			t.Errorf("%s: the error quotes the value: %s", raw, text)
		}
	}
}
