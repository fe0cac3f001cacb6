package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/redistest"
)

const testToken = "cli-test-token-7f3a"

// TestAPICommands runs the real binary twice over: once as the API
// (--process=api, on a real redis-server), once per command as the CLI
// against it, and checks what a person and a script see.
func TestAPICommands(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "crawler")
	build := exec.Command("go", "build", "-tags", "grpcnotrace", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	redis := redistest.Start(t)
	addr, stopAPI := startProcess(t, bin, "api", map[string]string{
		"REDIS_URL": "redis://" + redis.Addr(), "API_TOKEN": testToken,
		"OTEL_METRICS_EXPORTER": "none", "CRAWL_ALLOW_PRIVATE": "true",
	})
	apiURL := "http://" + addr
	env := map[string]string{"API_URL": apiURL, "API_TOKEN": testToken}
	cli := func(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		return runBin(t, bin, env, args...)
	}

	// First and alone: no worker runs, so the counts hold still while no
	// other subtest submits.
	t.Run("queue stats equal GET /v1/queue", func(t *testing.T) {
		apiDo(t, apiURL, http.MethodPost, "/v1/jobs", `{"url":"http://127.0.0.1:9/q"}`, nil)
		var want map[string]any
		apiDo(t, apiURL, http.MethodGet, "/v1/queue", "", &want)
		out, errOut, code := cli(t, env, "queue", "stats", "--json")
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
			t.Fatalf("queue stats --json: exit %d, %v: %s%s", code, err, out, errOut)
		}
		const age = "oldest_waiting_age_seconds" // grows between the two reads
		if g, w := got[age].(float64), want[age].(float64); g < w || g > w+30 {
			t.Errorf("%s = %v, API said %v just before", age, g, w)
		}
		delete(got, age)
		delete(want, age)
		if fmt.Sprint(got) != fmt.Sprint(want) || want["waiting"] != 1.0 {
			t.Errorf("queue stats --json = %v, GET /v1/queue = %v (want waiting 1)", got, want)
		}
		out, _, code = cli(t, env, "queue", "stats")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "WAITING  ACTIVE  DELAYED  FAILED  WORKERS  OLDEST WAITING") ||
			!strings.HasPrefix(lines[1], fmt.Sprintf("%-9d%-8d%-9d%-8d%-9d", 1, 0, 0, 0, 0)) {
			t.Errorf("queue stats (exit %d):\n%s", code, out)
		}
	})

	t.Run("commands", func(t *testing.T) {
		t.Run("job submitted via the API shows with jobs get", func(t *testing.T) {
			t.Parallel()
			var sub struct{ ID string }
			apiDo(t, apiURL, http.MethodPost, "/v1/jobs", `{"url":"http://127.0.0.1:9/page?secret=1","method":"http"}`, &sub)
			out, errOut, code := cli(t, env, "jobs", "get", sub.ID)
			if code != 0 {
				t.Fatalf("jobs get: exit %d\n%s", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID ") || !strings.HasPrefix(lines[1], sub.ID+"  waiting ") {
				t.Errorf("jobs get printed\n%s\nwant a header and the job, waiting", out)
			}
			// Columns line up: every header starts where its cell does.
			if i := strings.Index(lines[0], "STATE"); lines[1][i:i+len("waiting")] != "waiting" {
				t.Errorf("STATE column not aligned:\n%s", out)
			}
			out, errOut, code = cli(t, env, "jobs", "get", "--json", sub.ID)
			var st crawler.Status
			if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || st.ID != sub.ID || st.State != crawler.StateWaiting {
				t.Errorf("jobs get --json: exit %d, %v: %s%s", code, err, out, errOut)
			}
		})
		t.Run("jobs submit then get", func(t *testing.T) {
			t.Parallel()
			out, errOut, code := cli(t, env, "jobs", "submit", "--json", "--method=http", "http://127.0.0.1:9/a", "http://127.0.0.1:9/b")
			var sub struct{ IDs []string }
			if err := json.Unmarshal([]byte(out), &sub); code != 0 || err != nil || len(sub.IDs) != 2 {
				t.Fatalf("jobs submit --json: exit %d, %v: %s%s", code, err, out, errOut)
			}
			out, errOut, code = cli(t, env, "jobs", "get", "--json", sub.IDs[0], sub.IDs[1])
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || len(lines) != 2 {
				t.Fatalf("jobs get of two: exit %d: %s%s", code, out, errOut)
			}
			for i, l := range lines {
				var st crawler.Status
				if err := json.Unmarshal([]byte(l), &st); err != nil || st.ID != sub.IDs[i] {
					t.Errorf("line %d %q: %v", i, l, err)
				}
			}
			out, _, code = cli(t, env, "jobs", "submit", "http://127.0.0.1:9/c?token=hush")
			if code != 0 || !strings.Contains(out, "http://127.0.0.1:9/c\n") || strings.Contains(out, "hush") {
				t.Errorf("jobs submit printed %q (exit %d); want the URL without its query", out, code)
			}
		})
		t.Run("schedules", func(t *testing.T) {
			t.Parallel()
			apiDo(t, apiURL, http.MethodPost, "/v1/schedules", `{"name":"cli-daily","cron":"0 6 * * *","job":{"url":"http://127.0.0.1:9/s?k=v"}}`, nil)
			out, errOut, code := cli(t, env, "schedules", "list")
			if code != 0 || !strings.Contains(out, "cli-daily") || !strings.Contains(out, "0 6 * * *") || strings.Contains(out, "k=v") {
				t.Errorf("schedules list (exit %d):\n%s%s", code, out, errOut)
			}
			out, _, code = cli(t, env, "schedules", "list", "--json")
			var list struct{ Schedules []struct{ Name string } }
			if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list.Schedules) == 0 {
				t.Errorf("schedules list --json (exit %d, %v): %s", code, err, out)
			}
			out, _, code = cli(t, env, "schedules", "get", "--json", "cli-daily")
			var one struct{ Name, Cron string }
			if err := json.Unmarshal([]byte(out), &one); code != 0 || err != nil || one.Name != "cli-daily" || one.Cron != "0 6 * * *" {
				t.Errorf("schedules get --json (exit %d, %v): %s", code, err, out)
			}
			if out, errOut, code := cli(t, env, "schedules", "delete", "cli-daily"); code != 0 || out != "deleted schedule cli-daily\n" {
				t.Errorf("schedules delete: exit %d: %q %s", code, out, errOut)
			}
			_, errOut, code = cli(t, env, "schedules", "get", "cli-daily")
			if code != 1 || !strings.Contains(errOut, "schedule cli-daily") || !strings.Contains(errOut, "404") {
				t.Errorf("get of a deleted schedule: exit %d, %q; want 1 and a 404", code, errOut)
			}
		})
		t.Run("help lists every command", func(t *testing.T) {
			t.Parallel()
			out, errOut, code := cli(t, nil, "help")
			if code != 0 || out != "" {
				t.Errorf("help: exit %d, stdout %q", code, out)
			}
			for _, c := range apiCommands {
				if !strings.Contains(errOut, c.usageLine()) || !strings.Contains(errOut, c.summary) {
					t.Errorf("help lacks %q (%s):\n%s", c.usageLine(), c.summary, errOut)
				}
			}
			_, errOut, code = cli(t, nil, "help", "queue")
			if code != 0 || !strings.Contains(errOut, "crawler queue purge-failed [flags]") || strings.Contains(errOut, "crawler jobs") {
				t.Errorf("help queue: exit %d:\n%s", code, errOut)
			}
		})
		t.Run("unknown job", func(t *testing.T) {
			t.Parallel()
			_, errOut, code := cli(t, env, "jobs", "get", "nosuchjob")
			if code != 1 || !strings.Contains(errOut, "job nosuchjob") || !strings.Contains(errOut, "404") {
				t.Errorf("exit %d, %q; want 1 and a 404", code, errOut)
			}
		})
		t.Run("wrong token", func(t *testing.T) {
			t.Parallel()
			const wrong = "not-the-token-1234"
			out, errOut, code := cli(t, map[string]string{"API_URL": apiURL, "API_TOKEN": wrong}, "queue", "stats")
			if code != 1 || out != "" || !strings.HasPrefix(errOut, "crawler: 401 from "+apiURL+": the API refused the token: set API_TOKEN to the API's token") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and the API_TOKEN hint", code, out, errOut)
			}
			if strings.Contains(errOut, wrong) || strings.Contains(errOut, testToken) {
				t.Errorf("stderr shows a token: %q", errOut)
			}
			_, errOut, code = cli(t, map[string]string{"API_URL": apiURL}, "schedules", "list")
			if code != 1 || !strings.HasPrefix(errOut, "crawler: 401 from "+apiURL+": API_TOKEN is not set: set API_TOKEN") {
				t.Errorf("no token: exit %d, %q", code, errOut)
			}
		})
	})

	t.Run("day two", func(t *testing.T) { testDayTwo(t, bin) })

	t.Run("hostile API", func(t *testing.T) { testHostileAPI(t, bin) })

	t.Run("stopped API", func(t *testing.T) {
		stopAPI()
		_, errOut, code := cli(t, env, "queue", "stats")
		if code != 1 || !strings.HasPrefix(errOut, "crawler: cannot reach the API at "+apiURL+": is `crawler` (or `crawler --process=api`) running there? set API_URL") ||
			!strings.Contains(errOut, "connection refused") {
			t.Errorf("exit %d, %q; want 1 and the API_URL hint", code, errOut)
		}
		if strings.Contains(errOut, testToken) {
			t.Errorf("stderr shows the token: %q", errOut)
		}
	})
}

// runBin runs the binary with exactly env and returns its output and exit
// status; a run over 30 s fails the test. Its stdin is /dev/null.
func runBin(t *testing.T, bin string, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	return runBinIn(t, bin, env, nil, args...)
}

// runBinIn is runBin with stdin (nil: /dev/null).
func runBinIn(t *testing.T, bin string, env map[string]string, stdin io.Reader, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = stdin
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// startProcess runs `crawler --process=PROCESS` (one that serves the API)
// on a free port, waits for its /healthz and returns its address and a
// stop that kills it and waits for its exit; it is killed when the test
// ends.
func startProcess(t *testing.T, bin, process string, env map[string]string) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--process="+process)
	cmd.Env = []string{"API_ADDR=" + addr}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logPath := filepath.Join(t.TempDir(), "api.stderr")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-done
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s stderr:\n%s", process, b)
		}
	})
	probe := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-done:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("%s exited during start-up:\n%s", process, b)
		default:
		}
		// A child process offers nothing to block on until it listens.
		if res, err := probe.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return addr, stop
			}
		}
	}
	t.Fatalf("%s not up within 15s", process)
	return "", nil
}

// apiDo sends body (empty for none) with the token and decodes a 2xx
// answer into out (nil to skip).
func apiDo(t *testing.T, base, method, path, body string, out any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, path, res.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}
