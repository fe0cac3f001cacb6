package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// firedLog is the line a scheduler replica logs when its marker won a
// fire.
const firedLog = `"msg":"scheduler: fired"`

// TestTwoSchedulersEnqueueOncePerFire runs two scheduler replicas over
// two fires of an every-minute schedule: the shortest the product allows
// (5-field cron, @every at least 1m), so the test takes 65 to 125 s.
func TestTwoSchedulersEnqueueOncePerFire(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newSite(t, 0, 0)
	c := newCluster(t, s)
	c.startAPI(nil)
	schedulers := []*proc{
		c.start("scheduler-1", "scheduler", nil),
		c.start("scheduler-2", "scheduler", nil),
	}
	c.start("worker", "worker", nil)

	const name = "every-minute"
	path := "/p/scheduled"
	created, err := c.api.createSchedule(ctx, scheduleRequest{
		Name: name, Cron: "* * * * *",
		Job: jobRequest{URL: s.url(path), Method: "http", Rank: &crawler.RankSpec{Selector: "li.item", Match: targetFor(path)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Created.IsZero() {
		t.Fatalf("POST /v1/schedules answered %+v: no creation time", created)
	}
	// Fires come at minute boundaries strictly after creation.
	first := created.Created.Truncate(time.Minute).Add(time.Minute)
	second := first.Add(time.Minute)
	t.Logf("schedule created at %s; fires expected at %s and %s",
		created.Created.Format(time.TimeOnly), first.Format(time.TimeOnly), second.Format(time.TimeOnly))

	// Settle well after the second fire (a scheduler tick is 1 s, the
	// job ~10 ms), still far from the third, then count.
	settle := time.Until(second.Add(8 * time.Second))
	select {
	case <-time.After(settle):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}

	results, err := c.api.scheduleResults(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	markers, err := fireCount(ctx, c.redis.Client(), name)
	if err != nil {
		t.Fatal(err)
	}
	fetches := s.fetches([]string{path})[0]
	fired := []int{schedulers[0].logCount(firedLog), schedulers[1].logCount(firedLog)}
	t.Logf("after 2 fires: %d results, %d fire markers, %d fetches of the page; fires won by replica 1: %d, replica 2: %d",
		len(results), markers, fetches, fired[0], fired[1])

	if len(results) != 2 || markers != 2 || fetches != 2 || fired[0]+fired[1] != 2 {
		t.Errorf("want exactly one enqueue per fire: 2 results, 2 markers, 2 fetches, 2 fired log lines")
	}
	seen := map[string]bool{}
	for _, r := range results {
		if seen[r.ID] {
			t.Errorf("job %s listed twice in the schedule's results", r.ID)
		}
		seen[r.ID] = true
		checkResult(t, path, r.Status)
	}
	for _, sch := range schedulers {
		if code, took := sch.terminate(30 * time.Second); code != 0 {
			t.Errorf("%s: exit %d after SIGTERM (%s), want 0", sch.name, code, took)
		}
	}
}

// TestSchedulerPauseResumeTrigger drives a schedule's pause, trigger and
// resume through the API against running schedulers: no fire while
// paused, a trigger runs the job into the schedule's results, and after
// the resume neither the running replica nor one started then makes up
// the missed fire; the next fire runs once. Fires are a minute apart, so
// the test takes 70 to 140 s.
func TestSchedulerPauseResumeTrigger(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := newSite(t, 0, 0)
	c := newCluster(t, s)
	c.startAPI(nil)
	schedulers := []*proc{c.start("scheduler-1", "scheduler", nil)}
	c.start("worker", "worker", nil)

	// Create and pause well clear of a minute boundary, so no fire comes
	// between the two calls.
	if now := time.Now(); now.Second() >= 45 {
		sleepCtx(ctx, t, time.Until(now.Truncate(time.Minute).Add(time.Minute+time.Second)))
	}
	const name = "paused-minutely"
	path := "/p/paused"
	created, err := c.api.createSchedule(ctx, scheduleRequest{
		Name: name, Cron: "* * * * *",
		Job: jobRequest{URL: s.url(path), Method: "http", Rank: &crawler.RankSpec{Selector: "li.item", Match: targetFor(path)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Paused bool `json:"paused"`
	}
	if err := c.api.do(ctx, http.MethodPost, "/v1/schedules/"+name+"/pause", map[string]string{"operator": "it"}, &state); err != nil || !state.Paused {
		t.Fatalf("pause: %+v, %v", state, err)
	}
	missed := created.Created.Truncate(time.Minute).Add(time.Minute)

	var trigger struct {
		ID string `json:"id"`
	}
	if err := c.api.do(ctx, http.MethodPost, "/v1/schedules/"+name+"/trigger", nil, &trigger); err != nil {
		t.Fatal(err)
	}
	results := waitResults(ctx, t, c, name, 1)
	if results[0].ID != trigger.ID {
		t.Fatalf("results = %+v, want the triggered job %s", results, trigger.ID)
	}
	checkResult(t, path, results[0].Status)

	sleepCtx(ctx, t, time.Until(missed.Add(5*time.Second)))
	checkFires(ctx, t, c, name, "paused past the fire of "+missed.Format(time.TimeOnly), 0, 1)

	if err := c.api.do(ctx, http.MethodPost, "/v1/schedules/"+name+"/resume", nil, &state); err != nil || state.Paused {
		t.Fatalf("resume: %+v, %v", state, err)
	}
	resumed := time.Now()
	schedulers = append(schedulers, c.start("scheduler-2", "scheduler", nil))
	sleepCtx(ctx, t, 4*time.Second)
	checkFires(ctx, t, c, name, "just resumed, with a replica started since", 0, 1)

	next := resumed.Truncate(time.Minute).Add(time.Minute)
	sleepCtx(ctx, t, time.Until(next.Add(8*time.Second)))
	checkFires(ctx, t, c, name, "after the fire of "+next.Format(time.TimeOnly), 1, 2)
	if n := schedulers[0].logCount(firedLog) + schedulers[1].logCount(firedLog); n != 1 {
		t.Errorf("%d fired log lines, want 1", n)
	}
	if got := s.fetches([]string{path})[0]; got != 2 {
		t.Errorf("%d fetches of the page, want 2: the trigger and one fire", got)
	}
}

// checkFires fails t unless the schedule has markers fire markers and
// results results.
func checkFires(ctx context.Context, t *testing.T, c *cluster, name, when string, markers, results int) {
	t.Helper()
	got, err := c.api.scheduleResults(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	n, err := fireCount(ctx, c.redis.Client(), name)
	if err != nil {
		t.Fatal(err)
	}
	if n != markers || len(got) != results {
		t.Fatalf("%s: %d fire markers and %d results, want %d and %d", when, n, len(got), markers, results)
	}
}

// waitResults waits until the schedule has n results and returns them.
func waitResults(ctx context.Context, t *testing.T, c *cluster, name string, n int) []scheduleResult {
	t.Helper()
	for {
		got, err := c.api.scheduleResults(ctx, name)
		if err == nil && len(got) >= n {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("schedule %s: %d results (%v) when the test timed out, want %d", name, len(got), err, n)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func sleepCtx(ctx context.Context, t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
}
