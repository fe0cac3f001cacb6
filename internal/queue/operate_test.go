package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// parkAll reads every job of ids and fails each for good with the error
// type cause(i) picks.
func parkAll(t testing.TB, q *queue.Queue, n int, cause func(i int) crawler.ErrorType) []queue.Delivery {
	t.Helper()
	ctx := context.Background()
	var ds []queue.Delivery
	for len(ds) < n {
		got, err := q.Read(ctx, "parker", n-len(ds), 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, got...)
	}
	for i, d := range ds {
		if st, err := q.Fail(ctx, d, crawler.Errorf(cause(i), "failure %d", i), false); err != nil || st != crawler.StateFailed {
			t.Fatalf("fail %s = %s, %v", d.Job.ID, st, err)
		}
	}
	return ds
}

// checkIndexes fails unless the failed set and its indexes agree: every
// failed job in exactly one type index, in its schedule's index, and in the
// failed:index hash, and nothing else in any of them.
func checkIndexes(t *testing.T, e env) {
	t.Helper()
	ctx := context.Background()
	ks := e.q.Config().Keys
	failed := e.rdb.ZCard(ctx, ks.Failed()).Val()
	var byType int64
	for _, et := range crawler.ErrorTypes {
		byType += e.rdb.ZCard(ctx, ks.FailedByType(string(et))).Val()
	}
	if byType != failed {
		t.Errorf("failed set holds %d jobs, its type indexes %d", failed, byType)
	}
	if n := e.rdb.HLen(ctx, ks.FailedIndex()).Val(); n != failed {
		t.Errorf("failed set holds %d jobs, failed:index %d", failed, n)
	}
	keys, err := e.rdb.Keys(ctx, ks.FailedBySchedule("*")).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		for _, id := range e.rdb.ZRange(ctx, k, 0, -1).Val() {
			if e.rdb.ZScore(ctx, ks.Failed(), id).Err() != nil {
				t.Errorf("%s holds %s, which is not failed", k, id)
			}
		}
	}
}

func operator(t *testing.T, st crawler.Status, name, action string) {
	t.Helper()
	if st.Operator == nil || st.Operator.Name != name || st.Operator.Action != action || st.Operator.At.IsZero() {
		t.Errorf("operator of %s = %+v, want %s by %s", st.ID, st.Operator, action, name)
	}
}

// A retried job keeps its attempts and last error, shows who retried it,
// gets a fresh budget of MaxAttempts, and ends completed when it succeeds.
func TestRetryKeepsHistoryAndGivesAFreshBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{MaxAttempts: 2, BackoffBase: time.Millisecond, BackoffMax: time.Millisecond,
		PromoteEvery: 10 * time.Millisecond})
	id := enqueue(t, e.q, jobs(1, "nightly"))[0]
	d := readN(t, e.q, "c", 1, time.Second)[0]
	if st, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP5xx, "503"), true); err != nil || st != crawler.StateDelayed {
		t.Fatalf("first failure = %s, %v; want delayed", st, err)
	}
	d = readN(t, e.q, "c", 1, 2*time.Second)[0]
	if st, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP5xx, "503 again"), true); err != nil || st != crawler.StateFailed {
		t.Fatalf("second failure = %s, %v; want failed (budget of 2 spent)", st, err)
	}
	checkIndexes(t, e)
	failed := status(t, e.q, id)
	if failed.Schedule != "nightly" || failed.Created == nil || failed.Finished == nil {
		t.Errorf("failed status = %+v; want schedule, created and finished", failed)
	}

	st, err := e.q.Retry(ctx, id, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != crawler.StateWaiting || st.Attempts != 2 || st.Error == nil || st.Error.Type != crawler.ErrHTTP5xx {
		t.Errorf("after retry = %+v; want waiting with 2 attempts and the last error", st)
	}
	operator(t, st, "alice", "retry")
	checkIndexes(t, e)
	if c := counts(t, e.q); c.Failed != 0 || c.Waiting != 1 {
		t.Errorf("counts after retry = %+v", c)
	}
	var se *queue.StateError
	if _, err := e.q.Retry(ctx, id, "alice"); !errors.As(err, &se) || se.State != crawler.StateWaiting || !errors.Is(err, queue.ErrConflict) {
		t.Errorf("second retry = %v; want a conflict on a waiting job", err)
	}

	// A fresh budget: attempt 3 fails retryably and is delayed, not parked.
	d = readN(t, e.q, "c", 1, time.Second)[0]
	if d.Attempt != 3 {
		t.Errorf("attempt after retry = %d, want 3 (history goes on counting)", d.Attempt)
	}
	if st, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrTimeout, "slow"), true); err != nil || st != crawler.StateDelayed {
		t.Fatalf("failure after retry = %s, %v; want delayed (fresh budget)", st, err)
	}
	d = readN(t, e.q, "c", 1, 2*time.Second)[0]
	complete(t, e.q, d, crawler.Result{Status: 200, Method: crawler.MethodHTTP})
	st = status(t, e.q, id)
	if st.State != crawler.StateCompleted || st.Attempts != 4 || st.Error != nil {
		t.Errorf("after success = %+v; want completed after 4 attempts", st)
	}
	operator(t, st, "alice", "retry")
	if _, err := e.q.Retry(ctx, id, "bob"); !errors.As(err, &se) || se.State != crawler.StateCompleted {
		t.Errorf("retry of a completed job = %v; want a conflict", err)
	}
	if _, err := e.q.Retry(ctx, "0000000000000000000000000z", "bob"); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("retry of an unknown job = %v; want ErrNotFound", err)
	}
}

// A bulk retry by error type moves only that type's jobs, oldest first,
// and a repeat moves nothing; a purge by schedule deletes only its jobs.
func TestRetryAndPurgeMatching(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	types := []crawler.ErrorType{crawler.ErrHTTP4xx, crawler.ErrTimeout, crawler.ErrHTTP4xx, crawler.ErrDNS, crawler.ErrHTTP4xx, crawler.ErrTimeout}
	plain := enqueue(t, e.q, jobs(4, ""))
	sched := enqueue(t, e.q, jobs(2, "weekly"))
	parkAll(t, e.q, 6, func(i int) crawler.ErrorType { return types[i] })
	checkIndexes(t, e)

	got, err := e.q.RetryFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrHTTP4xx, Limit: 2}, "ops")
	if err != nil || got.Jobs != 2 || got.Remaining != 1 {
		t.Fatalf("retry 2 of 3 http_4xx = %+v, %v; want 2 moved, 1 left", got, err)
	}
	for _, id := range []string{plain[0], plain[2]} { // the oldest two
		if st := status(t, e.q, id); st.State != crawler.StateWaiting {
			t.Errorf("%s after retry = %s, want waiting", id, st.State)
		}
	}
	checkIndexes(t, e)
	got, err = e.q.RetryFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrHTTP4xx}, "ops")
	if err != nil || got.Jobs != 1 || got.Remaining != 0 {
		t.Fatalf("retry the rest = %+v, %v", got, err)
	}
	if got, err = e.q.RetryFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrHTTP4xx}, "ops"); err != nil || got != (queue.Taken{}) {
		t.Errorf("repeated retry = %+v, %v; want nothing moved", got, err)
	}
	if c := counts(t, e.q); c.Failed != 3 || c.Waiting != 3 {
		t.Errorf("counts = %+v; want 3 failed, 3 waiting", c)
	}
	// Both filters: the timeout job of the schedule only.
	got, err = e.q.PurgeFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrTimeout, Schedule: "weekly"})
	if err != nil || got.Jobs != 1 || got.Remaining != 0 {
		t.Fatalf("purge weekly timeouts = %+v, %v", got, err)
	}
	if _, err := e.q.Status(ctx, sched[1]); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("purged job's status: %v, want ErrNotFound", err)
	}
	checkIndexes(t, e)
	got, err = e.q.PurgeFailed(ctx, queue.FailedFilter{})
	if err != nil || got.Jobs != 2 || got.Remaining != 0 {
		t.Fatalf("purge all = %+v, %v", got, err)
	}
	checkIndexes(t, e)
}

// Cancel takes a job no worker holds; delete takes finished jobs only.
func TestCancelAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{RecordTTL: time.Hour, BackoffBase: time.Hour, BackoffMax: time.Hour})
	ids := enqueue(t, e.q, jobs(4, ""))
	ds := readN(t, e.q, "c", 3, time.Second) // ids[3] stays waiting
	if st, err := e.q.Fail(ctx, ds[0], crawler.Errorf(crawler.ErrHTTP5xx, "503"), true); err != nil || st != crawler.StateDelayed {
		t.Fatalf("fail = %s, %v", st, err)
	}
	parked := ds[1]
	if _, err := e.q.Fail(ctx, parked, crawler.Errorf(crawler.ErrHTTP4xx, "404"), false); err != nil {
		t.Fatal(err)
	}
	var se *queue.StateError
	if _, err := e.q.Cancel(ctx, ids[2], "ops"); !errors.As(err, &se) || se.State != crawler.StateActive {
		t.Errorf("cancel of an active job = %v; want a conflict naming active", err)
	}
	if err := e.q.Delete(ctx, ids[2]); !errors.As(err, &se) || se.State != crawler.StateActive {
		t.Errorf("delete of an active job = %v; want a conflict", err)
	}
	for _, id := range []string{ids[3], ids[0]} { // waiting, delayed
		st, err := e.q.Cancel(ctx, id, "ops")
		if err != nil || st.State != crawler.StateCanceled || st.Finished == nil {
			t.Fatalf("cancel %s = %+v, %v", id, st, err)
		}
		operator(t, st, "ops", "cancel")
		if ttl := e.rdb.PTTL(ctx, e.q.Config().Keys.Job(id)).Val(); ttl <= 59*time.Minute {
			t.Errorf("canceled record TTL = %s, want RecordTTL", ttl)
		}
	}
	if c := counts(t, e.q); c.Waiting != 0 || c.Delayed != 0 || c.Active != 1 || c.Failed != 1 {
		t.Errorf("counts after cancels = %+v", c)
	}
	if ds, err := e.q.Read(ctx, "c2", 10, 0); err != nil || len(ds) != 0 {
		t.Errorf("read after cancel = %d jobs, %v; want none", len(ds), err)
	}
	if _, err := e.q.Cancel(ctx, ids[3], "ops"); !errors.As(err, &se) || se.State != crawler.StateCanceled {
		t.Errorf("second cancel = %v; want a conflict", err)
	}
	for _, id := range []string{ids[3], parked.Job.ID} { // canceled, failed
		if err := e.q.Delete(ctx, id); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
		if _, err := e.q.Status(ctx, id); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("status after delete: %v", err)
		}
	}
	checkIndexes(t, e)
	complete(t, e.q, ds[2], crawler.Result{Status: 200})
	if err := e.q.Delete(ctx, ids[2]); err != nil {
		t.Errorf("delete of a completed job: %v", err)
	}
	if err := e.q.Delete(ctx, ids[2]); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("delete twice = %v; want ErrNotFound", err)
	}
}

// Past FailedMax the oldest failed jobs go, records and all, and are
// counted; past FailedRetention the reclaim sweep drops them.
func TestFailedRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{FailedMax: 3})
	ids := enqueue(t, e.q, jobs(5, "s"))
	parkAll(t, e.q, 5, func(int) crawler.ErrorType { return crawler.ErrHTTP4xx })
	c := counts(t, e.q)
	if c.Failed != 3 || c.FailedDropped != 2 {
		t.Errorf("counts = %+v; want 3 failed, 2 dropped", c)
	}
	for _, id := range ids[:2] {
		if _, err := e.q.Status(ctx, id); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("dropped %s: status %v, want ErrNotFound", id, err)
		}
	}
	if ttl := e.rdb.PTTL(ctx, e.q.Config().Keys.Job(ids[4])).Val(); ttl < 167*time.Hour {
		t.Errorf("failed record TTL = %s, want the retention (168h)", ttl)
	}
	checkIndexes(t, e)

	aged := newEnv(t, queue.Config{FailedRetention: 300 * time.Millisecond, ReclaimEvery: 10 * time.Millisecond})
	enqueue(t, aged.q, jobs(2, ""))
	parkAll(t, aged.q, 2, func(int) crawler.ErrorType { return crawler.ErrDNS })
	time.Sleep(400 * time.Millisecond)
	if _, err := aged.q.Read(ctx, "sweeper", 1, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if c := counts(t, aged.q); c.Failed != 0 || c.FailedDropped != 2 {
		t.Errorf("counts after the sweep = %+v; want 0 failed, 2 dropped", c)
	}
	checkIndexes(t, aged)
}

// Throughput counts the jobs finished each minute.
func TestThroughput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	enqueue(t, e.q, jobs(3, ""))
	ds := readN(t, e.q, "c", 3, time.Second)
	complete(t, e.q, ds[0], crawler.Result{Status: 200})
	complete(t, e.q, ds[1], crawler.Result{Status: 200})
	if _, err := e.q.Fail(ctx, ds[2], crawler.Errorf(crawler.ErrHTTP4xx, "404"), false); err != nil {
		t.Fatal(err)
	}
	ms, err := e.q.Throughput(ctx, 2) // the job may have crossed a minute
	if err != nil || len(ms) != 2 {
		t.Fatalf("throughput = %v, %v", ms, err)
	}
	if ms[0].Start.Add(time.Minute) != ms[1].Start || time.Since(ms[1].Start) > time.Minute {
		t.Errorf("minutes = %v; want the last two, oldest first", ms)
	}
	if c, f := ms[0].Completed+ms[1].Completed, ms[0].Failed+ms[1].Failed; c != 2 || f != 1 {
		t.Errorf("throughput = %+v; want 2 completed, 1 failed", ms)
	}
	if ttl := e.rdb.TTL(ctx, e.q.Config().Keys.Throughput(ms[1].Start.Unix()/60)).Val(); ttl <= 0 || ttl > 2*time.Hour {
		t.Errorf("counter TTL = %s; want up to 2h", ttl)
	}
}

// A scheduled job's status names its schedule from the start.
func TestStatusNamesSchedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	id := enqueue(t, e.q, jobs(1, "nightly.v2"))[0]
	plain := enqueue(t, e.q, jobs(1, ""))[0]
	if st := status(t, e.q, id); st.Schedule != "nightly.v2" || st.State != crawler.StateWaiting || st.Created == nil {
		t.Errorf("scheduled job = %+v; want its schedule and creation time", st)
	}
	if st := status(t, e.q, plain); st.Schedule != "" {
		t.Errorf("plain job = %+v; want no schedule", st)
	}
}

// A job parked by the reclaim sweep (delivered MaxDeliveries times without
// an answer) is indexed, keeps its job, and can be retried.
func TestReclaimParkedJobIsRetryable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{Lease: 100 * time.Millisecond, ReclaimEvery: 10 * time.Millisecond, MaxDeliveries: 1})
	id := enqueue(t, e.q, jobs(1, "hourly"))[0]
	readN(t, e.q, "dies", 1, time.Second)
	deadline := time.Now().Add(3 * time.Second)
	for status(t, e.q, id).State != crawler.StateFailed {
		if time.Now().After(deadline) {
			t.Fatalf("not parked: %+v", status(t, e.q, id))
		}
		if _, err := e.q.Read(ctx, "sweeper", 1, 20*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	checkIndexes(t, e)
	p, err := e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateFailed, ErrorType: crawler.ErrInternal, Schedule: "hourly"})
	if err != nil || len(p.Jobs) != 1 || p.Jobs[0].ID != id || p.Jobs[0].Schedule != "hourly" {
		t.Fatalf("failed internal of hourly = %+v, %v", p, err)
	}
	if st, err := e.q.Retry(ctx, id, "ops"); err != nil || st.State != crawler.StateWaiting {
		t.Fatalf("retry = %+v, %v", st, err)
	}
	checkIndexes(t, e)
	d := readN(t, e.q, "lives", 1, time.Second)[0]
	if d.Job.ID != id || d.Job.Schedule != "hourly" || d.Attempt != 2 {
		t.Errorf("delivery after retry = %+v; want the job, attempt 2", d)
	}
}
