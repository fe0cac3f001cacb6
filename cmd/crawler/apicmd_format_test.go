package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crawler-service/crawler/internal/apiclient"
	"github.com/crawler-service/crawler/internal/crawler"
)

func TestCommandJobTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	jobs := []apiclient.JobStatus{
		{Status: crawler.Status{ID: "01a", State: crawler.StateFailed, Attempts: 5,
			Error: &crawler.JobError{Type: crawler.ErrDNS, Message: "lookup nowhere.example: no such host\n" + strings.Repeat("x", 200)}}},
		{Status: crawler.Status{ID: "01bbbbbb", State: crawler.StateWaiting, Attempts: 12,
			Operator: &crawler.Operator{Name: "alice", Action: "retry", At: now.Add(-3 * time.Second)}}},
	}
	var out bytes.Buffer
	if err := printJobList(output{w: &out}, jobs, now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and a line per job, got\n%s", out.String())
	}
	for _, col := range []string{"STATE", "ATTEMPTS", "ERROR", "OPERATOR", "MESSAGE"} {
		i := strings.Index(lines[0], col)
		for _, l := range lines[1:] {
			if i < 0 || len(l) <= i || l[i-1] != ' ' || l[i] == ' ' {
				t.Errorf("column %s does not line up:\n%s", col, out.String())
			}
		}
	}
	if !strings.Contains(lines[1], " dns ") || !strings.Contains(lines[1], "lookup nowhere.example: no such host x") ||
		utf8.RuneCountInString(lines[1][strings.Index(lines[0], "MESSAGE"):]) > 60 {
		t.Errorf("failed job's line: %q; want its type and its message cut to 60 runes on one line", lines[1])
	}
	if !strings.Contains(lines[2], "alice retry 3s ago") || !strings.Contains(lines[2], " - ") {
		t.Errorf("retried job's line: %q; want the operator and - for no error", lines[2])
	}
	out.Reset()
	_ = printJobList(output{w: &out}, nil, now)
	if out.String() != "no jobs\n" {
		t.Errorf("empty list printed %q", out.String())
	}
}

func TestCommandAgo(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		before time.Duration
		want   string
	}{
		{0, "0s ago"}, {-2 * time.Second, "0s ago"}, {3*time.Second + 400*time.Millisecond, "3s ago"},
		{2*time.Minute + 5*time.Second, "2m5s ago"}, {2*time.Hour + 5*time.Minute + 10*time.Second, "2h5m ago"},
	} {
		if got := ago(now.Add(-tc.before), now); got != tc.want {
			t.Errorf("ago(%s) = %q, want %q", tc.before, got, tc.want)
		}
	}
	if got := ago(time.Time{}, now); got != "-" {
		t.Errorf("ago(zero) = %q", got)
	}
}

func TestCommandWorkersTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	ws := []crawler.WorkerInfo{
		{ID: "w1", Process: "worker", Host: "ip-10-0-0-1", PID: 7, Concurrency: 4, InFlight: 2,
			Methods: []crawler.Method{crawler.MethodHTTP, crawler.MethodBrowser}, Version: "1.2.0",
			StartedAt: now.Add(-time.Hour), LastSeenAt: now.Add(-3 * time.Second)},
		{ID: "w2", Process: "all", Host: "h", PID: 9, Concurrency: 1, Methods: []crawler.Method{crawler.MethodHTTP}, Version: "dev",
			StartedAt: now, LastSeenAt: now},
	}
	var out bytes.Buffer
	if err := printWorkers(output{w: &out}, ws, now); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID  PROCESS  HOST         PID  CONCURRENCY  IN FLIGHT  BROWSER  VERSION  STARTED               LAST SEEN\n" +
		"w1  worker   ip-10-0-0-1  7    4            2          yes      1.2.0    2026-12-07T07:00:00Z  3s ago\n" +
		"w2  all      h            9    1            0          no       dev      2026-12-07T08:00:00Z  0s ago\n"
	if out.String() != want {
		t.Errorf("workers table:\n%s\nwant\n%s", out.String(), want)
	}
}

func TestCommandListCommandLine(t *testing.T) {
	t.Parallel()
	q := apiclient.ListQuery{State: crawler.StateFailed, Limit: 50, Newest: true, ErrorType: crawler.ErrDNS, Schedule: "it's daily"}
	if got, want := listCommandLine(q, false), `crawler jobs list --state=failed --limit=50 --newest --error-type=dns --schedule='it'\''s daily'`; got != want {
		t.Errorf("listCommandLine = %s\nwant %s", got, want)
	}
	if got, want := listCommandLine(apiclient.ListQuery{State: crawler.StateWaiting, Limit: 1000}, true), "crawler jobs list --state=waiting --all"; got != want {
		t.Errorf("listCommandLine(all) = %s, want %s", got, want)
	}
}

func TestCommandConfirm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{{"y\n", true}, {"YES\n", true}, {"yes", true}, {"n\n", false}, {"\n", false}, {"", false}, {"yess\n", false}} {
		var errOut bytes.Buffer
		ok := confirm(output{errw: &errOut, in: strings.NewReader(tc.in)}, "Delete?")
		if ok != tc.want || !strings.HasPrefix(errOut.String(), "Delete? [y/N] ") {
			t.Errorf("answer %q: %v, prompt %q; want %v", tc.in, ok, errOut.String(), tc.want)
		}
	}
}

// TestCommandListAllBound: --all stops at maxListAll jobs and keeps the
// cursor, however many pages the API offers.
func TestCommandListAllBound(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var b strings.Builder
		b.WriteString(`{"jobs":[`)
		for i := range limit {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"j%d-%d","state":"failed","attempts":1,"result":null,"error":null,"extra":true}`, n, i)
		}
		fmt.Fprintf(&b, `],"next_cursor":"c%d"}`, n)
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	cl, err := apiclient.New(apiclient.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	page, err := listJobs(context.Background(), cl, apiclient.ListQuery{State: crawler.StateFailed, Limit: 700}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Jobs) != maxListAll || page.NextCursor == "" || calls.Load() != (maxListAll+699)/700 {
		t.Errorf("got %d jobs in %d calls, next %q; want %d and a cursor", len(page.Jobs), calls.Load(), page.NextCursor, maxListAll)
	}
	// Items print as the API sent them, fields this client does not know included.
	var out bytes.Buffer
	if err := printJSON(output{w: &out}, apiclient.JobPage{Jobs: page.Jobs[:1]}); err != nil ||
		out.String() != `{"jobs":[{"id":"j1-0","state":"failed","attempts":1,"result":null,"error":null,"extra":true}]}`+"\n" {
		t.Errorf("printJSON = %s, %v", out.String(), err)
	}
}

func TestCommandExplain(t *testing.T) {
	t.Parallel()
	cl, err := apiclient.New(apiclient.Config{URL: "http://api.example:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err      error
		tokenSet bool
		want     string
	}{
		{&apiclient.Error{Status: 401, Message: "invalid bearer token"}, true, "401 from http://api.example:8080: the API refused the token: set API_TOKEN to the API's token"},
		{&apiclient.Error{Status: 401}, false, "401 from http://api.example:8080: API_TOKEN is not set: set API_TOKEN"},
		{fmt.Errorf("GET /v1/queue: %w: connection refused", apiclient.ErrUnreachable), true, "cannot reach the API at http://api.example:8080: is `crawler` (or `crawler --process=api`) running there? set API_URL"},
		{&apiclient.Error{Status: 503, Message: "redis unavailable"}, true, "503 from http://api.example:8080: the API cannot serve now"},
		{&apiclient.Error{Status: 404, Code: "not_found", Message: "no such route: POST /v1/queue/failed/retry"}, true, "the API has no route for this command"},
	} {
		got := explain(tc.err, cl, tc.tokenSet)
		if !strings.Contains(got.Error(), tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("explain(%v) = %v; want it to contain %q and wrap the error", tc.err, got, tc.want)
		}
	}
	plain := &apiclient.Error{Status: 404, Code: "not_found", Message: "no job x"}
	if got := explain(plain, cl, true); got != error(plain) {
		t.Errorf("explain(a job's 404) = %v; want it unchanged", got)
	}
}
