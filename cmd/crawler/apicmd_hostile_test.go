package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// evil is what the review's hostile API answered in every string: a
// window title, a screen clear, colours, a C1 CSI, DEL, a bidi override
// and isolate, a mark, a tag character and line breaks.
const evil = "\x1b]0;HACKED\x07\x1b[2J\x1b[31m\u009b31m\x7f\u202eevil\u2066\u200f\U000E0041\r\nX"

// evilShown is evil as a table or an error shows it: the escapes'
// printable remains, nothing that acts on the terminal.
const evilShown = "]0;HACKED[2J[31m31mevil  X"

// testHostileAPI runs the binary against a fake API on loopback that
// puts evil in every string it answers, and checks that no control,
// bidi or format character reaches stdout or stderr, in tables, in
// errors, in the next page's hint and in --json; that jobs list refuses
// --state=canceled before asking; that an API_URL's credentials are not
// printed; and that queue pause and resume send the operator.
func testHostileAPI(t *testing.T, bin string) {
	var mu sync.Mutex
	var got []string // method, URI and body of each request
	requests := func(reset bool) []string {
		mu.Lock()
		defer mu.Unlock()
		r := slices.Clone(got)
		if reset {
			got = nil
		}
		return r
	}
	jobJSON := func(id string) map[string]any {
		return map[string]any{"id": id, "state": "failed" + evil, "attempts": 2,
			"result":   map[string]any{"final_url": "http://h.example/p\u202eevil?q=1", "status": 200, "method": "http" + evil, "title": evil},
			"error":    map[string]any{"type": "dns" + evil, "message": evil},
			"operator": map[string]any{"name": "bob" + evil, "action": "retry" + evil, "at": "2026-12-07T08:00:00Z"}}
	}
	sched := map[string]any{"name": "s" + evil, "cron": "0 6 * * *" + evil, "paused": true,
		"job":     map[string]any{"url": "http://h.example/" + evil, "method": "browser" + evil, "rank": map[string]any{"selector": evil, "match": evil}},
		"created": "2026-12-07T08:00:00Z"}
	apiError := func(w http.ResponseWriter, status int) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "x", "message": "why" + evil,
			"fields": map[string]string{"field" + evil: "reason" + evil}}})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+string(b)))
		mu.Unlock()
		enc := json.NewEncoder(w)
		switch p := r.URL.Path; {
		case p == "/v1/queue":
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, evil+" gateway\nsecond line")
		case p == "/v1/queue/pause" || p == "/v1/queue/resume":
			enc.Encode(map[string]bool{"paused": p == "/v1/queue/pause", "changed": true})
		case p == "/v1/jobs" && r.Method == http.MethodPost:
			enc.Encode(map[string]any{"ids": []string{"id" + evil, "id2"}})
		case p == "/v1/jobs":
			enc.Encode(map[string]any{"jobs": []any{jobJSON("j" + evil)}, "next_cursor": "c" + evil + "'; rm -rf ~ #"})
		case p == "/v1/jobs/good":
			j := jobJSON("good" + evil)
			delete(j, "error") // the table shows the result's title
			enc.Encode(j)
		case p == "/v1/jobs/abc" || p == "/v1/jobs/abc/retry":
			apiError(w, http.StatusConflict)
		case p == "/v1/schedules":
			enc.Encode(map[string]any{"schedules": []any{sched}})
		case strings.HasSuffix(p, "/pause"):
			enc.Encode(sched)
		case strings.HasSuffix(p, "/trigger"):
			w.WriteHeader(http.StatusAccepted)
			enc.Encode(map[string]string{"id": "t" + evil})
		case p == "/v1/workers":
			enc.Encode(map[string]any{"workers": []any{map[string]any{"id": "w" + evil, "process": evil, "host": evil, "version": evil,
				"started_at": "2026-12-07T08:00:00Z", "last_seen_at": "2026-12-07T08:00:00Z"}}})
		default:
			apiError(w, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	env := map[string]string{"API_URL": srv.URL, "API_TOKEN": "t", "USER": "alice"}

	for _, tc := range []struct {
		args []string
		code int
		want []string // in stdout+stderr
	}{
		{[]string{"queue", "stats"}, 1, []string{"502 Bad Gateway: ]0;HACKED[2J[31m31mevil"}}, // the body's first line ends at evil's \r\n
		{[]string{"jobs", "get", "abc"}, 1, []string{"409 Conflict: why" + evilShown + "; field" + evilShown + ": reason" + evilShown}},
		{[]string{"jobs", "retry", "abc"}, 1, []string{"abc: not retried: 409 Conflict: why" + evilShown + "; field" + evilShown}},
		{[]string{"jobs", "get", "good"}, 0, []string{"good" + evilShown, "http" + evilShown, `"` + evilShown + `" http://h.example/p%E2%80%AEevil`}},
		{[]string{"jobs", "list", "--state=failed"}, 0, []string{"j" + evilShown, "failed" + evilShown, "dns" + evilShown, "bob" + evilShown,
			`more: crawler jobs list --state=failed --cursor='c` + evilShown + `'\''; rm -rf ~ #'`}},
		// The same cursor back every time: --all stops at the second page.
		{[]string{"jobs", "list", "--state=failed", "--all"}, 1, []string{"the API gave back the cursor it was sent"}},
		{[]string{"jobs", "submit", "http://a.example/", "http://b.example/"}, 0, []string{"id" + evilShown}},
		{[]string{"schedules", "list"}, 0, []string{"s" + evilShown, "0 6 * * *" + evilShown, "browser" + evilShown}},
		{[]string{"schedules", "pause", "x"}, 0, []string{"paused schedule s" + evilShown}},
		{[]string{"schedules", "trigger", "x"}, 0, []string{"job t" + evilShown}},
		{[]string{"workers"}, 0, []string{"w" + evilShown}},
		{[]string{"jobs", "list", "--state=failed", "--json"}, 0, []string{`\u001b]0;HACKED\u0007`, `\u009b31m\u007f\u202eevil\u2066\u200f\udb40\udc41\r\nX`}},
		{[]string{"jobs", "get", "--json", "good"}, 0, []string{`"id":"good\u001b]0;HACKED`}},
		{[]string{"schedules", "list", "--json"}, 0, []string{`\u009b31m\u007f\u202eevil`}},
	} {
		out, errOut, code := runBin(t, bin, env, tc.args...)
		all := out + errOut
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d:\n%s", tc.args, code, tc.code, all)
		}
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%v printed\n%q\nwant it to contain %q", tc.args, all, w)
			}
		}
		for _, r := range all {
			if r != '\n' && unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) || r == unicode.ReplacementChar {
				t.Errorf("%v printed %U raw:\n%q", tc.args, r, all)
				break
			}
		}
		if strings.Contains(strings.Join(tc.args, " "), "--json") {
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var v map[string]any
				if err := json.Unmarshal([]byte(l), &v); err != nil || !strings.Contains(l, evilJSON) {
					t.Errorf("%v: line %q: %v; want JSON with evil's value as the API gave it", tc.args, l, err)
				}
			}
		}
	}

	// Canceled jobs are found by id: jobs list refuses the state itself.
	requests(true)
	_, errOut, code := runBin(t, bin, env, "jobs", "list", "--state=canceled")
	if sent := requests(false); code != 2 || !strings.Contains(errOut, "--state=canceled: canceled jobs are not listed, only found by id: crawler jobs get ID") || len(sent) != 0 {
		t.Errorf("jobs list --state=canceled: exit %d, %q, sent %q; want 2, the way to find one, no request", code, errOut, sent)
	}
	_, errOut, _ = runBin(t, bin, env, "jobs", "list", "--help")
	if !strings.Contains(errOut, "waiting, active, delayed, failed\n") {
		t.Errorf("jobs list --help: %q; want the states without canceled", errOut)
	}

	// API_URL's credentials and query are refused and not printed.
	_, errOut, code = runBin(t, bin, map[string]string{"API_URL": "http://user:pw@127.0.0.1:1/base?token=tq"}, "queue", "stats")
	if code != 2 || !strings.Contains(errOut, `URL "http://127.0.0.1:1/base"`) || strings.Contains(errOut, "pw") || strings.Contains(errOut, "tq") {
		t.Errorf("API_URL with credentials: exit %d, %q; want 2 and the URL redacted", code, errOut)
	}

	// Pause and resume say who acted, as the other actions do.
	requests(true)
	for _, args := range [][]string{{"queue", "pause"}, {"queue", "resume", "--operator=bob"}} {
		if out, errOut, code := runBin(t, bin, env, args...); code != 0 {
			t.Errorf("%v: exit %d: %s%s", args, code, out, errOut)
		}
	}
	if sent, want := requests(false), []string{`POST /v1/queue/pause {"operator":"alice"}`, `POST /v1/queue/resume {"operator":"bob"}`}; !slices.Equal(sent, want) {
		t.Errorf("queue pause, resume sent\n%q\nwant\n%q", sent, want)
	}
}

// evilJSON is evil inside a JSON string as --json prints it: every
// character that could act on the terminal escaped.
const evilJSON = `\u001b]0;HACKED\u0007\u001b[2J\u001b[31m\u009b31m\u007f\u202eevil\u2066\u200f\udb40\udc41\r\nX`
