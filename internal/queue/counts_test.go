package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

func TestCountsMatchTheTrueState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{BackoffBase: time.Hour, BackoffMax: time.Hour})
	if c := counts(t, e.q); c != (crawler.QueueCounts{}) {
		t.Fatalf("counts of a queue never used = %+v, want zeros", c)
	}
	for _, w := range []struct {
		id  string
		ttl time.Duration
	}{{"w1", time.Minute}, {"w2", time.Minute}, {"gone", time.Millisecond}} {
		if err := e.q.Heartbeat(ctx, crawler.WorkerInfo{ID: w.id}, w.ttl); err != nil {
			t.Fatalf("heartbeat: %v", err)
		}
	}
	enqueue(t, e.q, jobs(10, ""))
	time.Sleep(150 * time.Millisecond) // age the waiting jobs; lets "gone" expire

	ds := readN(t, e.q, "c", 5, time.Second)
	complete(t, e.q, ds[4], crawler.Result{Status: 200}) // the newest delivered: Redis loses the lag here
	if _, err := e.q.Fail(ctx, ds[0], crawler.Errorf(crawler.ErrTimeout, "t"), true); err != nil {
		t.Fatalf("fail: %v", err)
	}
	if _, err := e.q.Fail(ctx, ds[1], crawler.Errorf(crawler.ErrBlocked, "b"), false); err != nil {
		t.Fatalf("fail: %v", err)
	}

	c := counts(t, e.q)
	want := crawler.QueueCounts{Waiting: 5, Active: 2, Delayed: 1, Failed: 1, Workers: 2, OldestWaitingAge: c.OldestWaitingAge}
	if c != want {
		t.Errorf("counts = %+v, want %+v", c, want)
	}
	if c.OldestWaitingAge < 0.1 || c.OldestWaitingAge > 10 {
		t.Errorf("oldest waiting age = %.3fs, want about 0.15s", c.OldestWaitingAge)
	}

	if err := e.q.RemoveWorker(ctx, "w1"); err != nil {
		t.Fatalf("remove worker: %v", err)
	}
	readN(t, e.q, "c", 5, time.Second)
	c = counts(t, e.q)
	want = crawler.QueueCounts{Active: 7, Delayed: 1, Failed: 1, Workers: 1}
	if c != want {
		t.Errorf("counts after reading the rest = %+v, want %+v", c, want)
	}
}

func TestScheduleResultsNewestFirstAndCapped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{ResultsPerSchedule: 3})
	reqs := append(jobs(5, "hourly"), jobs(1, "daily")...)
	ids := enqueue(t, e.q, reqs)
	for i, d := range readN(t, e.q, "c", len(reqs), time.Second) {
		if i == 3 {
			if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "gone"), false); err != nil {
				t.Fatalf("fail: %v", err)
			}
			continue
		}
		complete(t, e.q, d, crawler.Result{Title: fmt.Sprint(i)})
	}

	got, err := schedule.NewStore(e.rdb, e.q.Config().Keys).Results(ctx, "hourly", 10)
	if err != nil {
		t.Fatalf("schedule results: %v", err)
	}
	wantIDs := []string{ids[4], ids[3], ids[2]}
	if len(got) != len(wantIDs) {
		t.Fatalf("%d results, want %d (capped)", len(got), len(wantIDs))
	}
	for i, r := range got {
		if r.ID != wantIDs[i] {
			t.Errorf("result %d is job %s, want %s", i, r.ID, wantIDs[i])
		}
	}
	if got[0].State != crawler.StateCompleted || got[0].Result == nil || got[0].Result.Title != "4" {
		t.Errorf("newest = %+v, want completed with title 4", got[0])
	}
	if got[1].State != crawler.StateFailed || got[1].Error == nil || got[1].Error.Type != crawler.ErrHTTP4xx {
		t.Errorf("second = %+v, want the failed job with its error", got[1])
	}
	if one, err := schedule.NewStore(e.rdb, e.q.Config().Keys).Results(ctx, "hourly", 1); err != nil || len(one) != 1 || one[0].ID != ids[4] {
		t.Errorf("ScheduleResults(n=1) = %+v, %v", one, err)
	}
	if daily, err := schedule.NewStore(e.rdb, e.q.Config().Keys).Results(ctx, "daily", 10); err != nil || len(daily) != 1 || daily[0].ID != ids[5] {
		t.Errorf("daily results = %+v, %v; want its one job", daily, err)
	}
}

// A schedule's results expire RecordTTL after the last one arrived, by a
// completion or a failure. (Deleting them is the schedule store's.)
func TestScheduleResultsExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const ttl = time.Hour
	e := newEnv(t, queue.Config{RecordTTL: ttl})
	key := e.q.Config().Keys.ScheduleResults("s")
	ds := readN(t, e.q, "c", len(enqueue(t, e.q, jobs(2, "s"))), time.Second)
	for i, d := range ds {
		if i == 0 {
			complete(t, e.q, d, crawler.Result{})
		} else if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "gone"), false); err != nil {
			t.Fatalf("fail: %v", err)
		}
		left, err := e.rdb.PTTL(ctx, key).Result()
		if err != nil || left <= 0 || left > ttl {
			t.Errorf("after result %d: results list expires in %v (%v), want within %v", i+1, left, err, ttl)
		}
	}
}
