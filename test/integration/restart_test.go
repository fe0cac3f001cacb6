package integration

import (
	"context"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/redistest"
)

// outage is how long redis-server stays down: longer than a client's
// connection retries, so every process sees real errors.
const outage = 3 * time.Second

// TestRedisRestartSurvivedByEveryProcess crashes redis-server (SIGKILL;
// the append-only file with an fsync per write keeps every acknowledged
// write), keeps it down, and restarts it on the same port while jobs run.
func TestRedisRestartSurvivedByEveryProcess(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	s := newSite(t, 50*time.Millisecond, 100*time.Millisecond)
	c := newCluster(t, s, redistest.WithAppendOnly())
	workerEnv := map[string]string{"WORKER_CONCURRENCY": "4", "CRAWL_PER_HOST_CONCURRENCY": "4"}
	procs := []*proc{
		c.startAPI(nil),
		c.start("worker-1", "worker", workerEnv),
		c.start("worker-2", "worker", workerEnv),
		c.start("scheduler", "scheduler", nil),
		c.start("publisher", "metric-publisher", map[string]string{"METRIC_PUBLISH_INTERVAL_MS": "200"}),
	}
	pub := procs[4]

	const name = "through-restart"
	schedPath := "/p/scheduled-restart"
	if _, err := c.api.createSchedule(ctx, scheduleRequest{
		Name: name, Cron: "* * * * *",
		Job: jobRequest{URL: s.url(schedPath), Method: "http", Rank: &crawler.RankSpec{Selector: "li.item", Match: targetFor(schedPath)}},
	}); err != nil {
		t.Fatal(err)
	}

	before := pagePaths("before", 300)
	beforeIDs, err := c.api.postJobs(ctx, pageJobs(s, before))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.waitServed(ctx, 100); err != nil {
		t.Fatal(err)
	}

	c.redis.Kill()
	downAt := time.Now()
	time.Sleep(outage / 2)
	if c.api.ready(ctx) {
		t.Errorf("GET /readyz answered 200 with redis-server down")
	}
	for _, p := range procs {
		if !p.running() || !p.healthy(ctx) {
			t.Errorf("%s died or stopped answering /healthz while Redis was down", p.name)
		}
	}
	time.Sleep(time.Until(downAt.Add(outage)))
	c.redis.Restart(t)
	upAt := time.Now()

	// The first request after the restart may meet a stale connection;
	// a client retries, as a user would.
	after := pagePaths("after", 300)
	var afterIDs []string
	for {
		afterIDs, err = c.api.postJobs(ctx, pageJobs(s, after))
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("POST after the restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	posted := time.Since(upAt)

	paths := append(before, after...)
	statuses := c.waitCompleted(ctx, append(beforeIDs, afterIDs...))
	completed := time.Since(upAt)
	for i, id := range append(beforeIDs, afterIDs...) {
		checkResult(t, paths[i], statuses[id])
	}
	never, dupPaths, extra := dupStats(s.fetches(paths))
	if never > 0 {
		t.Errorf("%d pages never fetched, yet their jobs completed", never)
	}
	t.Logf("redis-server down %s mid-run; after restart: batch accepted in %s, all %d jobs completed %s after it; %d pages fetched more than once (%d extra)",
		outage, posted.Round(time.Millisecond), len(statuses), completed.Round(time.Millisecond), dupPaths, extra)

	// The scheduler fires again after the restart, once per fire. A fire
	// that came while the batches were still running queues behind them,
	// so its result is due 20 s after the later of the two.
	nextFire := upAt.Truncate(time.Minute).Add(time.Minute)
	due := nextFire
	if drained := upAt.Add(completed); drained.After(due) {
		due = drained
	}
	fctx, fcancel := context.WithDeadline(ctx, due.Add(20*time.Second))
	defer fcancel()
	results := waitScheduleResult(fctx, t, c, name, upAt)
	markers, err := fireCount(ctx, c.redis.Client(), name)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != markers {
		t.Errorf("schedule %s: %d results for %d fires, want one each", name, len(results), markers)
	}
	t.Logf("scheduler: %d fires, %d results, last completed %s after the restart", markers, len(results),
		results[0].Finished.Sub(upAt).Round(time.Second))

	qc := c.waitDrained(ctx)
	if qc.Failed != 0 || qc.Workers != 2 {
		t.Errorf("queue %+v: want no failed job and 2 live workers", qc)
	}
	waitGauges(ctx, t, pub, qc)

	for _, p := range procs {
		if !p.running() {
			t.Fatalf("%s exited after the Redis restart: %v", p.name, p.cmd.ProcessState)
		}
	}
	for _, p := range procs {
		if code, took := p.terminate(30 * time.Second); code != 0 {
			t.Errorf("%s: exit %d after SIGTERM (%s), want 0", p.name, code, took)
		}
	}
}

// waitScheduleResult waits for a result of the schedule that finished
// after since and returns all its results, newest first.
func waitScheduleResult(ctx context.Context, t *testing.T, c *cluster, name string, since time.Time) []scheduleResult {
	t.Helper()
	for {
		rs, err := c.api.scheduleResults(ctx, name)
		if err == nil && len(rs) > 0 && rs[0].Finished.After(since) {
			return rs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no result of schedule %s after %s (last %v, err %v)", name, since.Format(time.TimeOnly), rs, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
