package integration

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/crawler-service/crawler/internal/crawler"
)

// TestConsoleInChromium drives the web console in Debian's Chromium
// against a real api and worker: the token form, the overview's counts,
// a failed job retried from the Failed list, the queue paused and resumed
// from the overview, cancel, the error-type filter and purge, schedules
// paused and triggered, no console errors or CSP violations, and a layout
// that holds at 375 px.
func TestConsoleInChromium(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	s := newSite(t, 0, 0)
	flip := newFlipSite(t)
	c := newCluster(t, s)
	apiProc := c.startAPI(nil)
	c.start("worker", "worker", map[string]string{"WORKER_CONCURRENCY": "2"})

	// A job whose target answers 404 (http_4xx: not retryable) fails for
	// good at once; a second one stays failed, so the Failed list is
	// never empty when the layout is measured.
	stuckPath := "/status/404/console-stuck-with-a-rather-long-name-" + strings.Repeat("x", 80)
	ids, err := c.api.postJobs(ctx, []jobRequest{flip.job("/p/console-retry"), {URL: s.url(stuckPath), Method: "http"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		waitState(ctx, t, c, id, crawler.StateFailed)
	}
	if _, err := c.api.createSchedule(ctx, scheduleRequest{Name: "console-yearly", Cron: "0 0 1 1 *",
		Job: jobRequest{URL: s.url("/p/console-sched?token=console-query-secret"), Method: "http"}}); err != nil {
		t.Fatal(err)
	}

	b := openConsole(t, "http://"+apiProc.httpAddr+"/ui/")
	b.signIn(t, c.token)
	b.reportFirstLoad(t)
	checkCounts(ctx, t, c, b.page)
	b.retryFailed(ctx, t, c, flip, ids[0])
	b.pauseAndResume(ctx, t, c, flip)
	b.schedules(ctx, t, c)
	b.narrow(t)
	b.filterAndPurge(ctx, t, c)
	b.forget(t)
	b.checkClean(t, c.token)
}

// step fails the test when a browser step fails, with the console's
// notice line, where a refused call says why.
func (b *consoleBrowser) step(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v (notice: %q)", what, err, b.notice())
	}
}

// signIn enters the token by keyboard alone, and checks it is kept in
// sessionStorage and in no cookie.
func (b *consoleBrowser) signIn(t *testing.T, token string) {
	t.Helper()
	pg := b.page
	// A wrong token: the API answers 401, the console forgets it and asks
	// again. Chromium logs the 401 as a console error, expected here.
	b.step(t, "wrong token", pg.Locator("#token").Fill("not-"+token))
	b.step(t, "submit wrong token", pg.Locator("#login-form button[type=submit]").Click())
	b.step(t, "asked again", pg.Locator(`#login-why:has-text("refused")`).WaitFor())
	b.step(t, "form again", pg.Locator("#token").WaitFor())
	// The overview's other calls with that token end moments later.
	time.Sleep(500 * time.Millisecond)
	b.dropExpected("status of 401")

	b.step(t, "focus token", pg.Locator("#token").Focus())
	b.step(t, "type token", pg.Keyboard().Type(token))
	b.step(t, "submit token", pg.Keyboard().Press("Enter"))
	b.step(t, "overview", pg.Locator("[data-count=waiting]").WaitFor())
	if got, err := pg.Evaluate(`() => [sessionStorage.length, document.cookie]`); err != nil || fmt.Sprint(got) != "[1 ]" {
		t.Errorf("after sign-in, sessionStorage length and cookies = %v (%v), want [1 ]", got, err)
	}
	// The view tabs answer the arrow keys.
	b.step(t, "focus overview tab", pg.Locator("#tab-overview").Focus())
	b.step(t, "arrow right", pg.Keyboard().Press("ArrowRight"))
	b.step(t, "jobs tab by keyboard", pg.Locator(`#tab-jobs[aria-selected=true]:focus`).WaitFor())
	b.step(t, "jobs view", pg.Locator("#view-jobs").WaitFor())
	b.step(t, "back to overview", b.page.Locator("#tab-overview").Click())
}

// retryFailed finds the failed job under Failed with its error, mends the
// site, and retries it from its row: it completes.
func (b *consoleBrowser) retryFailed(ctx context.Context, t *testing.T, c *cluster, flip *flipSite, id string) {
	t.Helper()
	pg := b.page
	failed, err := c.api.job(ctx, id)
	if err != nil || failed.Error == nil {
		t.Fatalf("failed job %s: %+v, %v", id, failed, err)
	}
	b.step(t, "jobs tab", pg.Locator("#tab-jobs").Click())
	b.step(t, "failed tab", pg.Locator(`#states [data-state=failed]`).Click())
	row := pg.Locator(`#jobs tr[data-id="` + id + `"]`)
	b.step(t, "failed row", row.WaitFor())
	text, err := row.TextContent()
	b.step(t, "row text", err)
	if !strings.Contains(text, string(failed.Error.Type)) || !strings.Contains(text, failed.Error.Message) {
		t.Errorf("Failed row of %s shows %q; want its error %s %q", id, text, failed.Error.Type, failed.Error.Message)
	}
	flip.up.Store(true)
	b.step(t, "retry", row.Locator(`button:has-text("Retry")`).Click())
	// Errorf, not Fatalf: what follows does not depend on it.
	st, err := b.waitJob(ctx, c, id, crawler.StateCompleted, 30*time.Second)
	if err != nil {
		t.Errorf("Retry: %v", err)
	} else if st.Operator == nil || st.Operator.Name != "console" || st.Operator.Action != "retry" {
		t.Errorf("retried job %s: operator %+v, want console's retry", id, st.Operator)
	}
}

// pauseAndResume pauses the queue from the overview: of two jobs posted
// then, both stay waiting; one is canceled from the Waiting list, and
// after Resume the other completes.
func (b *consoleBrowser) pauseAndResume(ctx context.Context, t *testing.T, c *cluster, flip *flipSite) {
	t.Helper()
	pg := b.page
	b.step(t, "overview tab", pg.Locator("#tab-overview").Click())
	toggle := pg.Locator("#pause-toggle")
	b.step(t, "pause button", pg.Locator(`#pause-toggle:has-text("Pause queue"):enabled`).WaitFor())
	b.step(t, "pause", toggle.Click())
	waitPaused(ctx, t, c, true)
	b.step(t, "paused badge", pg.Locator(`#queue-state[data-paused=true]`).WaitFor())
	// A read already blocked in Redis may still deliver: the contract is
	// that within a second no worker takes a new job.
	time.Sleep(1500 * time.Millisecond)
	ids, err := c.api.postJobs(ctx, []jobRequest{flip.job("/p/console-paused"), flip.job("/p/console-canceled")})
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		for _, id := range ids {
			if st, err := c.api.job(ctx, id); err != nil || st.State != crawler.StateWaiting {
				t.Fatalf("job %s posted while paused: state %q (%v), want waiting", id, st.State, err)
			}
		}
	}

	b.step(t, "jobs tab", pg.Locator("#tab-jobs").Click())
	b.step(t, "waiting tab", pg.Locator(`#states [data-state=waiting]`).Click())
	b.step(t, "cancel", pg.Locator(`#jobs tr[data-id="`+ids[1]+`"] button:has-text("Cancel")`).Click())
	if _, err := b.waitJob(ctx, c, ids[1], crawler.StateCanceled, 10*time.Second); err != nil {
		t.Errorf("Cancel: %v", err)
	}

	b.step(t, "overview tab", pg.Locator("#tab-overview").Click())
	b.step(t, "resume button", pg.Locator(`#pause-toggle:has-text("Resume queue"):enabled`).WaitFor())
	b.step(t, "resume", toggle.Click())
	if _, err := b.waitJob(ctx, c, ids[0], crawler.StateCompleted, 30*time.Second); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	waitPaused(ctx, t, c, false)
	if st, err := c.api.job(ctx, ids[1]); err != nil || st.State != crawler.StateCanceled {
		t.Errorf("canceled job %s after Resume: %q (%v), want canceled", ids[1], st.State, err)
	}
}

// schedules lists the schedule with its results, pauses it, and triggers
// it: the triggered job's result shows under Last results.
func (b *consoleBrowser) schedules(ctx context.Context, t *testing.T, c *cluster) {
	t.Helper()
	pg := b.page
	card := pg.Locator(`#schedules [data-name="console-yearly"]`)
	b.step(t, "schedules tab", pg.Locator("#tab-schedules").Click())
	b.step(t, "schedule card", card.Locator("table").WaitFor())
	b.step(t, "pause schedule", card.Locator(`button:has-text("Pause")`).Click())
	b.step(t, "schedule paused", pg.Locator(`#schedules [data-name="console-yearly"] .badge:has-text("Paused")`).WaitFor())
	var sch struct {
		Paused bool `json:"paused"`
	}
	if err := c.api.do(ctx, http.MethodGet, "/v1/schedules/console-yearly", nil, &sch); err != nil || !sch.Paused {
		t.Errorf("GET /v1/schedules/console-yearly after Pause: paused %v (%v), want true", sch.Paused, err)
	}
	b.step(t, "trigger", card.Locator(`button:has-text("Trigger now")`).Click())
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if rs, err := c.api.scheduleResults(ctx, "console-yearly"); err == nil && len(rs) > 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no result of the triggered schedule (notice %q)", b.notice())
		}
	}
	b.step(t, "refresh schedules", pg.Locator("#schedules-refresh").Click())
	b.step(t, "triggered result", pg.Locator(`#schedules [data-name="console-yearly"] td:text-is("completed")`).WaitFor())
	// The schedule's URL shows without its query string, which holds a
	// token.
	text, err := pg.Locator("body").InnerText()
	b.step(t, "page text", err)
	if !strings.Contains(text, "/p/console-sched") || strings.Contains(text, "console-query-secret") {
		t.Errorf("schedules view: want the URL /p/console-sched without its query; page shows the query: %v",
			strings.Contains(text, "console-query-secret"))
	}
}

// narrow sets a 375 px wide viewport: no view scrolls sideways; wide
// tables scroll inside their own box.
func (b *consoleBrowser) narrow(t *testing.T) {
	t.Helper()
	pg := b.page
	b.step(t, "viewport", pg.SetViewportSize(375, 800))
	for _, view := range []string{"overview", "jobs", "schedules"} {
		b.step(t, view+" tab", pg.Locator("#tab-"+view).Click())
		if view == "jobs" {
			b.step(t, "failed tab", pg.Locator(`#states [data-state=failed]`).Click())
			b.step(t, "failed rows", pg.Locator(`#jobs tbody tr`).First().WaitFor())
		}
		w, err := pg.Evaluate(`() => document.documentElement.scrollWidth`)
		b.step(t, "scrollWidth", err)
		if n, err := strconv.ParseFloat(fmt.Sprint(w), 64); err != nil || n > 375 {
			t.Errorf("%s at 375 px: the page is %v px wide", view, w)
		}
	}
}

// filterAndPurge narrows Failed by error type, then purges the failed
// jobs through the confirm step.
func (b *consoleBrowser) filterAndPurge(ctx context.Context, t *testing.T, c *cluster) {
	t.Helper()
	pg := b.page
	b.step(t, "jobs tab", pg.Locator("#tab-jobs").Click())
	b.step(t, "failed tab", pg.Locator(`#states [data-state=failed]`).Click())
	_, err := pg.Locator("#error-type").SelectOption(playwright.SelectOptionValues{Values: &[]string{"timeout"}})
	b.step(t, "filter timeout", err)
	b.step(t, "no timeouts", pg.Locator("#jobs-empty").WaitFor())
	_, err = pg.Locator("#error-type").SelectOption(playwright.SelectOptionValues{Values: &[]string{"http_4xx"}})
	b.step(t, "filter http_4xx", err)
	b.step(t, "http_4xx rows", pg.Locator(`#jobs tbody tr`).First().WaitFor())

	b.step(t, "purge", pg.Locator("#purge").Click())
	b.step(t, "confirm shown", pg.Locator("#confirm").WaitFor())
	if q, err := c.api.queue(ctx); err != nil || q.Failed == 0 {
		t.Fatalf("before Confirm: failed %d (%v), want the stuck job still there", q.Failed, err)
	}
	b.step(t, "confirm", pg.Locator("#confirm-yes").Click())
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		q, err := c.api.queue(ctx)
		if err == nil && q.Failed == 0 {
			break
		}
		if time.Now().After(end) {
			t.Errorf("after Purge failed: GET /v1/queue failed %d (%v), want 0 (notice %q)", q.Failed, err, b.notice())
			break
		}
	}
}

// forget: the form again, and nothing the API answered left on the page.
func (b *consoleBrowser) forget(t *testing.T) {
	t.Helper()
	pg := b.page
	b.step(t, "forget", pg.Locator("#forget").Click())
	b.step(t, "form again", pg.Locator("#token").WaitFor())
	if got, err := pg.Evaluate(`() => [sessionStorage.length, document.querySelectorAll("#jobs tbody tr, #counts div, #schedules article").length]`); err != nil || fmt.Sprint(got) != "[0 0]" {
		t.Errorf("after Forget token: sessionStorage length and rows left = %v (%v), want [0 0]", got, err)
	}
}

// checkCounts waits until the overview shows what GET /v1/queue answers
// (the page refreshes every 5 s).
func checkCounts(ctx context.Context, t *testing.T, c *cluster, pg playwright.Page) {
	t.Helper()
	var diff string
	for end := time.Now().Add(12 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		var q map[string]any
		if err := c.api.do(ctx, http.MethodGet, "/v1/queue", nil, &q); err != nil {
			t.Fatal(err)
		}
		got, err := pg.Evaluate(`() => Object.fromEntries([...document.querySelectorAll("[data-count]")].map(d => [d.dataset.count, d.textContent]))`)
		if err != nil {
			t.Fatal(err)
		}
		shown, _ := got.(map[string]any)
		diff = ""
		for _, k := range []string{"waiting", "active", "delayed", "failed", "workers", "failed_dropped"} {
			v, ok := q[k]
			if !ok {
				continue
			}
			if want := fmt.Sprint(v); fmt.Sprint(shown[k]) != want {
				diff += fmt.Sprintf(" %s: shown %v, API %s;", k, shown[k], want)
			}
		}
		if diff == "" {
			t.Logf("overview counts equal GET /v1/queue: %v", shown)
			return
		}
	}
	t.Errorf("overview counts differ from GET /v1/queue:%s", diff)
}

func waitPaused(ctx context.Context, t *testing.T, c *cluster, want bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		q, err := c.api.queue(ctx)
		if err == nil && q.Paused == want {
			return
		}
	}
	t.Fatalf("GET /v1/queue never showed paused %v", want)
}
