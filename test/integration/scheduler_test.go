package integration

import (
	"context"
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
