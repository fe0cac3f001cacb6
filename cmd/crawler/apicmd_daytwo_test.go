package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/redistest"
)

// testDayTwo drives the operator's commands through the binary against
// `crawler --process=all` (API and a worker) on a redis-server of its own:
// jobs that really failed, listed, retried, canceled, deleted, moved and
// purged in bulk; the queue paused and resumed; workers, throughput and
// schedules. Its steps run in order: each starts from the queue the last
// one left.
func testDayTwo(t *testing.T, bin string) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><head><title>ok</title></head><body>ok</body></html>")
			return
		}
		http.NotFound(w, r) // http_4xx: not retryable, so failed at once
	}))
	t.Cleanup(site.Close)
	redis := redistest.Start(t)
	addr, _ := startProcess(t, bin, "all", map[string]string{
		"REDIS_URL": "redis://" + redis.Addr(), "API_TOKEN": testToken,
		"OTEL_METRICS_EXPORTER": "none", "CRAWL_ALLOW_PRIVATE": "true", "WORKER_CONCURRENCY": "4",
	})
	apiURL := "http://" + addr
	env := map[string]string{"API_URL": apiURL, "API_TOKEN": testToken, "USER": "tester"}
	cli := func(t *testing.T, args ...string) (string, string, int) {
		t.Helper()
		return runBin(t, bin, env, args...)
	}

	out, errOut, code := cli(t, "jobs", "submit", "--json", "--method=http",
		site.URL+"/gone/1", site.URL+"/gone/2", site.URL+"/gone/3", site.URL+"/gone/4", site.URL+"/gone/5")
	var sub struct{ IDs []string }
	if err := json.Unmarshal([]byte(out), &sub); code != 0 || err != nil || len(sub.IDs) != 5 {
		t.Fatalf("jobs submit: exit %d, %v: %s%s", code, err, out, errOut)
	}
	failed := sub.IDs
	var one struct{ ID string }
	apiDo(t, apiURL, http.MethodPost, "/v1/jobs", `{"url":"`+site.URL+`/ok","method":"http"}`, &one)
	okID := one.ID
	for _, id := range failed {
		waitState(t, apiURL, id, crawler.StateFailed)
	}
	waitState(t, apiURL, okID, crawler.StateCompleted)

	// The failed jobs oldest first, as the unpaged list gives them.
	var order []string
	t.Run("jobs list", func(t *testing.T) {
		out, errOut, code := cli(t, "jobs", "list", "--state=failed")
		rows := tableRows(t, out, "ID STATE ATTEMPTS ERROR OPERATOR MESSAGE")
		if code != 0 || len(rows) != 5 {
			t.Fatalf("jobs list --state=failed: exit %d:\n%s%s", code, out, errOut)
		}
		for _, r := range rows {
			if r[1] != "failed" || r[2] != "1" || r[3] != "http_4xx" || r[4] != "-" || !slices.Contains(failed, r[0]) {
				t.Errorf("row %q: want a failed job of ours, 1 attempt, http_4xx, no operator", r)
			}
			order = append(order, r[0])
		}

		// Page by page, following the cursor the command prints.
		var paged []string
		args := []string{"jobs", "list", "--state=failed", "--limit=2"}
		for page := 0; ; page++ {
			out, errOut, code := cli(t, args...)
			if code != 0 || page > 5 {
				t.Fatalf("%v: exit %d (page %d):\n%s%s", args, code, page, out, errOut)
			}
			if out != "no jobs\n" {
				for _, r := range tableRows(t, out, "ID STATE ATTEMPTS ERROR OPERATOR MESSAGE") {
					paged = append(paged, r[0])
				}
			}
			_, cursor, more := strings.Cut(strings.TrimSpace(errOut), "--cursor=")
			if !more {
				break
			}
			if !strings.HasPrefix(errOut, "more: crawler jobs list --state=failed --limit=2 --cursor=") {
				t.Errorf("next page hint: %q", errOut)
			}
			args = []string{"jobs", "list", "--state=failed", "--limit=2", "--cursor=" + strings.Trim(cursor, "'")}
		}
		if !slices.Equal(paged, order) {
			t.Errorf("pages of 2 gave %v; one page gave %v", paged, order)
		}

		out, errOut, code = cli(t, "jobs", "list", "--state=failed", "--limit=2", "--all")
		if ids := firstColumn(t, out); code != 0 || !slices.Equal(ids, order) || errOut != "" {
			t.Errorf("--all --limit=2: exit %d, %v, stderr %q; want %v", code, ids, errOut, order)
		}
		out, _, code = cli(t, "jobs", "list", "--state=failed", "--newest")
		if ids := firstColumn(t, out); code != 0 || !slices.Equal(ids, reversed(order)) {
			t.Errorf("--newest: exit %d, %v; want %v", code, ids, reversed(order))
		}
		out, _, code = cli(t, "jobs", "list", "--state=failed", "--error-type=http_4xx")
		if ids := firstColumn(t, out); code != 0 || len(ids) != 5 {
			t.Errorf("--error-type=http_4xx: exit %d:\n%s", code, out)
		}
		if out, _, code := cli(t, "jobs", "list", "--state=failed", "--error-type=dns"); code != 0 || out != "no jobs\n" {
			t.Errorf("--error-type=dns: exit %d: %q; want no jobs", code, out)
		}

		// --json: one document of every page's jobs, as the API sent them.
		out, errOut, code = cli(t, "jobs", "list", "--state=failed", "--limit=2", "--all", "--json")
		var doc struct {
			Jobs []struct {
				ID    string
				Error struct{ Type string }
			}
			NextCursor *string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || len(doc.Jobs) != 5 || doc.NextCursor != nil || doc.Jobs[0].Error.Type != "http_4xx" {
			t.Errorf("--all --json: exit %d, %v: %s%s", code, err, out, errOut)
		}

		// Mistakes: the command's own (exit 2), and the API's 422 naming the field (exit 1).
		if _, errOut, code := cli(t, "jobs", "list"); code != 2 || !strings.Contains(errOut, "--state is required: waiting, active, delayed, failed") {
			t.Errorf("no --state: exit %d, %q", code, errOut)
		}
		if _, errOut, code := cli(t, "jobs", "list", "--state=failed", "--limit=5000"); code != 2 || !strings.Contains(errOut, "--limit=5000: want 1 to 1000") {
			t.Errorf("--limit=5000: exit %d, %q", code, errOut)
		}
		if _, errOut, code := cli(t, "jobs", "list", "--state=waiting", "--error-type=dns"); code != 1 || !strings.Contains(errOut, "422") || !strings.Contains(errOut, "error_type") {
			t.Errorf("--error-type with waiting: exit %d, %q; want the API's 422 naming error_type", code, errOut)
		}
	})
	if len(order) != 5 {
		t.Fatalf("no list of the failed jobs to go on with")
	}

	t.Run("workers and throughput", func(t *testing.T) {
		out, errOut, code := cli(t, "workers")
		rows := tableRows(t, out, "ID PROCESS HOST PID CONCURRENCY IN FLIGHT BROWSER VERSION STARTED LAST SEEN")
		if code != 0 || len(rows) != 1 || rows[0][1] != "all" || rows[0][4] != "4" || !strings.HasSuffix(out, "s ago\n") {
			t.Errorf("workers: exit %d:\n%s%s", code, out, errOut)
		}
		out, _, code = cli(t, "workers", "--json")
		var ws struct{ Workers []crawler.WorkerInfo }
		if err := json.Unmarshal([]byte(out), &ws); code != 0 || err != nil || len(ws.Workers) != 1 || ws.Workers[0].Concurrency != 4 {
			t.Errorf("workers --json: exit %d, %v: %s", code, err, out)
		}

		out, errOut, code = cli(t, "queue", "throughput", "--minutes=3", "--json")
		var tp struct {
			Minutes []struct{ Completed, Failed int64 }
		}
		if err := json.Unmarshal([]byte(out), &tp); code != 0 || err != nil || len(tp.Minutes) != 3 {
			t.Fatalf("queue throughput --json: exit %d, %v: %s%s", code, err, out, errOut)
		}
		out, _, code = cli(t, "queue", "throughput", "--minutes=3")
		rows = tableRows(t, out, "MINUTE (UTC) COMPLETED FAILED")
		var completed, failedN int64
		for _, r := range rows {
			c, _ := strconv.ParseInt(r[len(r)-2], 10, 64)
			f, _ := strconv.ParseInt(r[len(r)-1], 10, 64)
			completed, failedN = completed+c, failedN+f
		}
		if code != 0 || len(rows) != 3 || completed < 1 || failedN < 5 {
			t.Errorf("queue throughput: exit %d, %d completed, %d failed (want ≥ 1, ≥ 5):\n%s", code, completed, failedN, out)
		}
		if _, errOut, code := cli(t, "queue", "throughput", "--minutes=61"); code != 2 || !strings.Contains(errOut, "want 1 to 60") {
			t.Errorf("--minutes=61: exit %d, %q", code, errOut)
		}
	})

	t.Run("pause", func(t *testing.T) {
		if out, errOut, code := cli(t, "queue", "pause"); code != 0 || out != "queue paused: workers take no new jobs and finish those they hold\n" {
			t.Fatalf("queue pause: exit %d: %q %s", code, out, errOut)
		}
		if out, _, code := cli(t, "queue", "pause"); code != 0 || out != "queue was already paused\n" {
			t.Errorf("queue pause again: exit %d: %q", code, out)
		}
		out, _, code := cli(t, "queue", "stats", "--json")
		var q crawler.QueueCounts
		if err := json.Unmarshal([]byte(out), &q); code != 0 || err != nil || !q.Paused || q.Failed != 5 {
			t.Errorf("queue stats --json while paused: exit %d, %v: %s", code, err, out)
		}
		// The contract gives a worker a second to stop reading; after it,
		// a job put back in the queue stays there for the steps below.
		time.Sleep(1500 * time.Millisecond)
	})

	t.Run("retry cancel delete", func(t *testing.T) {
		out, errOut, code := cli(t, "jobs", "retry", order[0])
		if code != 0 || out != order[0]+": retried (now waiting)\n" {
			t.Fatalf("jobs retry: exit %d: %q %s", code, out, errOut)
		}
		st := jobJSON(t, cli, order[0])
		if st.State != crawler.StateWaiting || st.Attempts != 1 || st.Error == nil || st.Error.Type != crawler.ErrHTTP4xx ||
			st.Operator == nil || st.Operator.Name != "tester" || st.Operator.Action != "retry" {
			t.Errorf("retried job: %+v; want waiting, its attempt and error kept, operator tester/retry ($USER)", st)
		}
		out, _, _ = cli(t, "jobs", "list", "--state=waiting")
		if !strings.Contains(out, order[0]) || !strings.Contains(out, "tester retry ") {
			t.Errorf("jobs list --state=waiting:\n%s\nwant the retried job with its operator", out)
		}

		// Per id a line; the API's reason for each that failed; exit 1.
		out, errOut, code = cli(t, "jobs", "retry", order[0], "nosuchjob", order[1])
		for _, want := range []string{
			order[0] + ": not retried: 409 Conflict: job " + order[0] + " is waiting; only a failed job can be retried\n",
			"nosuchjob: not retried: 404 Not Found",
			"crawler: 2 of 3 jobs not retried\n",
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("retry of a waiting, an unknown and a failed job: stderr %q lacks %q", errOut, want)
			}
		}
		if code != 1 || out != order[1]+": retried (now waiting)\n" {
			t.Errorf("retry of three: exit %d, stdout %q", code, out)
		}

		if _, errOut, code := cli(t, "jobs", "retry", "--operator=ops-bot", order[2]); code != 0 {
			t.Errorf("retry --operator: exit %d, %s", code, errOut)
		} else if st := jobJSON(t, cli, order[2]); st.Operator == nil || st.Operator.Name != "ops-bot" {
			t.Errorf("retry --operator=ops-bot: operator %+v", st.Operator)
		}
		if _, errOut, code := cli(t, "jobs", "retry", "--operator=a b", order[3]); code != 2 || !strings.Contains(errOut, "--operator") {
			t.Errorf("bad --operator: exit %d, %q", code, errOut)
		}

		if out, errOut, code := cli(t, "jobs", "cancel", order[0]); code != 0 || out != order[0]+": canceled (now canceled)\n" {
			t.Errorf("jobs cancel of a waiting job: exit %d: %q %s", code, out, errOut)
		}
		out, _, code = cli(t, "jobs", "cancel", "--json", order[2])
		var canceled crawler.Status
		if err := json.Unmarshal([]byte(out), &canceled); code != 0 || err != nil || canceled.State != crawler.StateCanceled || canceled.ID != order[2] {
			t.Errorf("jobs cancel --json: exit %d, %v: %q", code, err, out)
		}
		if _, errOut, code := cli(t, "jobs", "cancel", okID); code != 1 || !strings.Contains(errOut, okID+": not canceled: 409 Conflict") {
			t.Errorf("cancel of a completed job: exit %d, %q", code, errOut)
		}
		if _, errOut, code := cli(t, "jobs", "delete", order[1]); code != 1 || !strings.Contains(errOut, order[1]+": not deleted: 409 Conflict") {
			t.Errorf("delete of a waiting job: exit %d, %q", code, errOut)
		}
		if out, errOut, code := cli(t, "jobs", "delete", order[0], okID); code != 0 || out != order[0]+": deleted\n"+okID+": deleted\n" {
			t.Errorf("delete of a canceled and a completed job: exit %d: %q %s", code, out, errOut)
		}
		if _, errOut, code := cli(t, "jobs", "get", order[0]); code != 1 || !strings.Contains(errOut, "404") {
			t.Errorf("get of a deleted job: exit %d, %q", code, errOut)
		}
	})

	t.Run("retry-failed and purge-failed", func(t *testing.T) {
		// Left failed: order[3] and order[4].
		out, errOut, code := cli(t, "queue", "retry-failed", "--error-type=http_4xx", "--limit=1")
		if code != 0 || out != "moved 1 failed job of error type http_4xx back to waiting; 1 still failed (run it again for more)\n" {
			t.Errorf("retry-failed --limit=1: exit %d: %q %s", code, out, errOut)
		}
		if out, _, code := cli(t, "queue", "retry-failed", "--error-type=dns"); code != 0 || out != "moved 0 failed jobs of error type dns back to waiting; 0 still failed\n" {
			t.Errorf("retry-failed of none: exit %d: %q", code, out)
		}
		if st := jobJSON(t, cli, order[3]); st.State != crawler.StateWaiting {
			t.Errorf("the oldest failed job is %s after retry-failed --limit=1; want waiting", st.State)
		}
		// Not a terminal and no --yes: refused, nothing deleted, even with "y" piped in.
		_, errOut, code = runBinIn(t, bin, env, strings.NewReader("y\n"), "queue", "purge-failed")
		if code != 2 || !strings.Contains(errOut, "say --yes to confirm") {
			t.Errorf("purge-failed without --yes: exit %d, %q", code, errOut)
		}
		// /dev/null passes for a terminal (a character device): asked, no answer, nothing deleted.
		_, errOut, code = cli(t, "queue", "purge-failed", "--error-type=http_4xx")
		if code != 1 || !strings.HasPrefix(errOut, "Delete up to 10000 failed jobs of error type http_4xx for good? [y/N] \n") ||
			!strings.HasSuffix(errOut, "crawler: not confirmed: nothing deleted\n") {
			t.Errorf("purge-failed with no answer: exit %d, %q", code, errOut)
		}
		out, errOut, code = cli(t, "queue", "purge-failed", "--yes", "--json")
		if code != 0 || out != `{"deleted":1,"remaining":0}`+"\n" {
			t.Errorf("purge-failed --yes --json: exit %d: %q %s", code, out, errOut)
		}
		if out, _, code := cli(t, "jobs", "list", "--state=failed"); code != 0 || out != "no jobs\n" {
			t.Errorf("failed jobs after the purge: exit %d:\n%s", code, out)
		}
	})

	t.Run("resume", func(t *testing.T) {
		if out, errOut, code := cli(t, "queue", "resume"); code != 0 || out != "queue resumed: workers take jobs again\n" {
			t.Errorf("queue resume: exit %d: %q %s", code, out, errOut)
		}
		if out, _, code := cli(t, "queue", "resume"); code != 0 || out != "queue was not paused\n" {
			t.Errorf("queue resume again: exit %d: %q", code, out)
		}
	})

	t.Run("schedules pause resume trigger", func(t *testing.T) {
		apiDo(t, apiURL, http.MethodPost, "/v1/schedules", `{"name":"cli-day2","cron":"0 6 * * *","job":{"url":"`+site.URL+`/ok","method":"http"}}`, nil)
		if out, errOut, code := cli(t, "schedules", "pause", "cli-day2"); code != 0 || out != "paused schedule cli-day2: it does not fire until resumed\n" {
			t.Errorf("schedules pause: exit %d: %q %s", code, out, errOut)
		}
		out, _, code := cli(t, "schedules", "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if i := strings.Index(lines[0], "PAUSED"); code != 0 || len(lines) != 2 || i < 0 || !strings.HasPrefix(lines[1][i:], "yes ") {
			t.Errorf("schedules list of a paused schedule: exit %d:\n%s", code, out)
		}
		out, errOut, code := cli(t, "schedules", "trigger", "cli-day2")
		id, _, _ := strings.Cut(strings.TrimPrefix(out, "triggered schedule cli-day2: job "), " ")
		if code != 0 || out != fmt.Sprintf("triggered schedule cli-day2: job %s (crawler jobs get %s)\n", id, id) {
			t.Fatalf("schedules trigger: exit %d: %q %s", code, out, errOut)
		}
		waitState(t, apiURL, id, crawler.StateCompleted)
		if st := jobJSON(t, cli, id); st.Schedule != "cli-day2" {
			t.Errorf("triggered job's schedule = %q", st.Schedule)
		}
		out, _, code = cli(t, "schedules", "resume", "--json", "cli-day2")
		var s struct {
			Name   string
			Paused *bool
		}
		if err := json.Unmarshal([]byte(out), &s); code != 0 || err != nil || s.Name != "cli-day2" || s.Paused == nil || *s.Paused {
			t.Errorf("schedules resume --json: exit %d, %v: %q", code, err, out)
		}
		if _, errOut, code := cli(t, "schedules", "trigger", "nosuch"); code != 1 || !strings.Contains(errOut, "schedule nosuch") ||
			!strings.Contains(errOut, "404") || !strings.Contains(errOut, "see crawler schedules list") {
			t.Errorf("trigger of an unknown schedule: exit %d, %q", code, errOut)
		}
	})
}

// waitState polls the API until the job is in want; 20 s at most.
func waitState(t *testing.T, apiURL, id string, want crawler.State) {
	t.Helper()
	var st crawler.Status
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		// No call blocks until a job changes state: poll.
		apiDo(t, apiURL, http.MethodGet, "/v1/jobs/"+id, "", &st)
		if st.State == want {
			return
		}
	}
	t.Fatalf("job %s is %s after 20s; want %s (error %+v)", id, st.State, want, st.Error)
}

// jobJSON is `crawler jobs get --json ID`, decoded.
func jobJSON(t *testing.T, cli func(*testing.T, ...string) (string, string, int), id string) crawler.Status {
	t.Helper()
	out, errOut, code := cli(t, "jobs", "get", "--json", id)
	var st crawler.Status
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
		t.Fatalf("jobs get --json %s: exit %d, %v: %s%s", id, code, err, out, errOut)
	}
	return st
}

// tableRows checks a table's header (its words, in order) and returns its
// rows split on runs of spaces.
func tableRows(t *testing.T, out, header string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if strings.Join(strings.Fields(lines[0]), " ") != header {
		t.Errorf("header %q, want %q", lines[0], header)
		return nil
	}
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

// firstColumn is the ids of a jobs list table.
func firstColumn(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, r := range tableRows(t, out, "ID STATE ATTEMPTS ERROR OPERATOR MESSAGE") {
		ids = append(ids, r[0])
	}
	return ids
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}
