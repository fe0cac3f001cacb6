package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// The failed set after months of operation: large, skewed, with records
// parked by older versions. These tests seed it straight into Redis, as
// park does (the failed set, its type and schedule indexes, failed:index
// and the records), because parking tens of thousands of jobs through
// Fail would take the test's whole budget.

// parked is one failed job to seed: its error type, its schedule, and
// whether its record keeps its job (a retry needs it).
type parked struct {
	etype crawler.ErrorType
	sched string
	old   bool // parked by an older version: no job in the record
}

// seedFailed parks the jobs of pick(0..n-1), oldest first, at scores from
// start, one millisecond apart (tie jobs share one score), and returns
// their ids.
func seedFailed(t testing.TB, rdb redis.UniversalClient, q *queue.Queue, n, tie int, pick func(i int) parked) []string {
	t.Helper()
	ctx := context.Background()
	ks := q.Config().Keys
	start := time.Now().Add(-time.Hour).UnixMilli()
	ids := make([]string, n)
	for lo := 0; lo < n; lo += 2000 {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := lo; i < min(lo+2000, n); i++ {
				j := pick(i)
				id := fmt.Sprintf("0j8x2k1m3n%016d", i)
				ids[i] = id
				score := float64(start + int64(i/max(tie, 1)))
				rec := map[string]any{"state": "failed", "attempts": 1, "schedule": j.sched,
					"error": map[string]string{"type": string(j.etype), "message": "seeded"}, "finished": int64(score)}
				if !j.old {
					spec, _ := json.Marshal(crawler.Job{ID: id, URL: fmt.Sprintf("https://example.com/%d", i), Method: crawler.MethodHTTP, Schedule: j.sched})
					rec["spec"] = string(spec)
				}
				raw, _ := json.Marshal(rec)
				p.Set(ctx, ks.Job(id), raw, 0)
				p.ZAdd(ctx, ks.Failed(), redis.Z{Score: score, Member: id})
				p.ZAdd(ctx, ks.FailedByType(string(j.etype)), redis.Z{Score: score, Member: id})
				if j.sched != "" {
					p.ZAdd(ctx, ks.FailedBySchedule(j.sched), redis.Z{Score: score, Member: id})
				}
				p.HSet(ctx, ks.FailedIndex(), id, string(j.etype)+" "+j.sched)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("seed failed jobs: %v", err)
		}
	}
	return ids
}

// rare is a schedule's n failed jobs, all http_4xx but the newest, a dns.
// rare parks n jobs so that both filters' indexes are large and only the
// newest job matches both: half are http_4xx of schedule "big", half dns
// of schedule "other", the last dns of "big". Whichever index the list
// reads, it must skip half of n to find the one.
func rare(n int) func(int) parked {
	return func(i int) parked {
		switch {
		case i == n-1:
			return parked{etype: crawler.ErrDNS, sched: "big"}
		case i%2 == 0:
			return parked{etype: crawler.ErrHTTP4xx, sched: "big"}
		}
		return parked{etype: crawler.ErrDNS, sched: "other"}
	}
}

// followPages follows next_cursor to the end and returns the ids listed, the
// pages, and the longest one call took.
func followPages(t testing.TB, q *queue.Queue, o queue.ListOptions) (ids []string, pages int, slowest time.Duration) {
	t.Helper()
	for {
		start := time.Now()
		p, err := q.ListJobs(context.Background(), o)
		slowest = max(slowest, time.Since(start))
		if err != nil {
			t.Fatalf("list %+v: %v", o, err)
		}
		pages++
		for _, st := range p.Jobs {
			ids = append(ids, st.ID)
		}
		if len(p.Jobs) > o.Limit {
			t.Fatalf("page of %d jobs, limit %d", len(p.Jobs), o.Limit)
		}
		if p.Next == "" {
			return ids, pages, slowest
		}
		if p.Next == o.Cursor {
			t.Fatalf("cursor %s did not move", p.Next)
		}
		o.Cursor = p.Next
	}
}

// One job of a type and a schedule among many of each: no call reads a
// whole index; short (even empty) pages carry a cursor on to the match,
// oldest and newest first.
func TestListRareTypeIsBoundedPerCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	const n = 20_000
	ids := seedFailed(t, e.rdb, e.q, n, 1, rare(n))
	for _, newest := range []bool{false, true} {
		o := queue.ListOptions{State: crawler.StateFailed, Schedule: "big", ErrorType: crawler.ErrDNS, Limit: 1, Newest: newest}
		p, err := e.q.ListJobs(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if !newest && (len(p.Jobs) != 0 || p.Next == "") {
			t.Errorf("first page = %d jobs, next %q; want an empty page that goes on (no call reads all %d)", len(p.Jobs), p.Next, n)
		}
		res, pages, _ := followPages(t, e.q, o)
		if len(res) != 1 || res[0] != ids[n-1] {
			t.Errorf("newest=%v: listed %v, want only %s", newest, res, ids[n-1])
		}
		if !newest && pages < 5 {
			t.Errorf("%d pages; want the index read in bounded steps", pages)
		}
	}
}

// Many failed jobs on one score (parked in one millisecond): pages go
// through them all, each once, both ways, filtered or not.
func TestListTiesPageThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	const n = 2500
	ids := seedFailed(t, e.rdb, e.q, n, 1200, func(i int) parked {
		if i%7 == 0 {
			return parked{etype: crawler.ErrDNS, sched: "s"}
		}
		return parked{etype: crawler.ErrHTTP4xx, sched: "s"}
	})
	var dns []string
	for i, id := range ids {
		if i%7 == 0 {
			dns = append(dns, id)
		}
	}
	for _, c := range []struct {
		o    queue.ListOptions
		want []string
	}{
		{queue.ListOptions{Limit: 7}, ids},
		{queue.ListOptions{Limit: 1000}, ids},
		{queue.ListOptions{Limit: 3, Schedule: "s", ErrorType: crawler.ErrDNS}, dns},
		{queue.ListOptions{Limit: 5, ErrorType: crawler.ErrDNS}, dns},
	} {
		for _, newest := range []bool{false, true} {
			o := c.o
			o.State, o.Newest = crawler.StateFailed, newest
			res, _, _ := followPages(t, e.q, o)
			want := c.want
			if newest {
				want = reversed(want)
			}
			if fmt.Sprint(res) != fmt.Sprint(want) {
				t.Errorf("%+v: listed %d jobs, want %d in order", o, len(res), len(want))
			}
		}
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// A Redis busy with a script over its time is an outage (503), not a
// fault of the request.
func TestBusyRedisIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	if err := e.rdb.ConfigSet(ctx, "busy-reply-threshold", "20").Err(); err != nil {
		t.Fatal(err)
	}
	other := e.srv.Client()
	done := make(chan error, 1)
	go func() {
		done <- other.Eval(ctx, `local t = redis.call('TIME') local s = t[1] + 1
			while tonumber(redis.call('TIME')[1]) <= s do end return 1`, nil).Err()
	}()
	var err error
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		_, err = e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateFailed, Limit: 1})
		if err != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err == nil || !strings.Contains(err.Error(), "BUSY") {
		t.Fatalf("list during a long script = %v; want a BUSY reply", err)
	}
	if !errors.Is(err, crawler.ErrUnavailable) {
		t.Errorf("list during a long script = %v; want ErrUnavailable", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("long script: %v", err)
	}
}

// Stream ids that match the cursor's shape but overflow or cannot start an
// exclusive range are invalid cursors, in every stream-backed listing.
func TestListMalformedStreamCursors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	enqueue(t, e.q, jobs(3, ""))
	readN(t, e.q, "c", 1, time.Second)
	for _, cursor := range []string{"99999999999999999999999-0", "18446744073709551615-18446744073709551615",
		"0-99999999999999999999999", "18446744073709551616-0"} {
		for _, o := range []queue.ListOptions{
			{State: crawler.StateWaiting}, {State: crawler.StateActive}, {State: crawler.StateWaiting, Newest: true},
		} {
			o.Cursor, o.Limit = cursor, 10
			if _, err := e.q.ListJobs(context.Background(), o); !errors.Is(err, queue.ErrInvalidCursor) {
				t.Errorf("list %s newest=%v after %s = %v; want ErrInvalidCursor", o.State, o.Newest, cursor, err)
			}
		}
	}
	// The largest ids that still start a range are fine.
	for _, cursor := range []string{"18446744073709551615-18446744073709551614", "0-0"} {
		if _, err := e.q.ListJobs(context.Background(), queue.ListOptions{State: crawler.StateWaiting, Cursor: cursor, Limit: 10}); err != nil {
			t.Errorf("waiting after %s: %v", cursor, err)
		}
	}
}

// A bulk action by schedule and type reaches matching jobs behind any
// number of older jobs of other types.
func TestFailedBulkPastOtherTypes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, op := range []string{"retry", "purge"} {
		e := newEnv(t, queue.Config{})
		const n = 3010
		ids := seedFailed(t, e.rdb, e.q, n, 1, func(i int) parked {
			if i >= 3000 {
				return parked{etype: crawler.ErrDNS, sched: "s"}
			}
			return parked{etype: crawler.ErrHTTP4xx, sched: "s"}
		})
		f := queue.FailedFilter{ErrorType: crawler.ErrDNS, Schedule: "s"}
		var res queue.Taken
		var err error
		if op == "retry" {
			res, err = e.q.RetryFailed(ctx, f, "ops")
		} else {
			res, err = e.q.PurgeFailed(ctx, f)
		}
		if err != nil || res.Jobs != 10 || res.Remaining != 0 || res.Skipped != 0 {
			t.Fatalf("%s dns of s = %+v, %v; want 10 taken, none left", op, res, err)
		}
		if op == "retry" {
			if st := status(t, e.q, ids[3005]); st.State != crawler.StateWaiting {
				t.Errorf("%s after retry = %s", ids[3005], st.State)
			}
		}
		if c := counts(t, e.q); c.Failed != 3000 {
			t.Errorf("%s: %d failed, want the 3000 others", op, c.Failed)
		}
		checkIndexes(t, e)
	}
}

// Records parked by an older version (no job to retry) at the head of the
// failed set do not hide the newer, retryable jobs; they are counted as
// skipped and still failed.
func TestFailedRetryPastOldRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	seedFailed(t, e.rdb, e.q, 4100, 1, func(i int) parked {
		return parked{etype: crawler.ErrTimeout, old: i < 2200}
	})
	res, err := e.q.RetryFailed(ctx, queue.FailedFilter{}, "ops")
	if err != nil || res.Jobs != 1900 || res.Skipped != 2200 || res.Remaining != 2200 {
		t.Fatalf("retry all = %+v, %v; want 1900 moved, 2200 skipped and left", res, err)
	}
	res, err = e.q.RetryFailed(ctx, queue.FailedFilter{Limit: 5}, "ops")
	if err != nil || res.Jobs != 0 || res.Skipped != 2200 || res.Remaining != 2200 {
		t.Errorf("repeat = %+v, %v; want nothing moved", res, err)
	}
	if c := counts(t, e.q); c.Failed != 2200 || c.Waiting != 1900 {
		t.Errorf("counts = %+v", c)
	}
	res, err = e.q.PurgeFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrTimeout})
	if err != nil || res.Jobs != 2200 || res.Remaining != 0 {
		t.Errorf("purge = %+v, %v", res, err)
	}
	checkIndexes(t, e)
}

// The embedded Redis of the development mode runs the bulk actions with
// both filters, and answers what they did.
func TestFailedBulkOnMiniredis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	q := queue.New(rdb, queue.Config{})
	seedFailed(t, rdb, q, 30, 4, func(i int) parked {
		if i%3 == 0 {
			return parked{etype: crawler.ErrDNS, sched: "s"}
		}
		return parked{etype: crawler.ErrHTTP4xx, sched: "s", old: i%2 == 0}
	})
	res, err := q.RetryFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrDNS, Schedule: "s", Limit: 4}, "ops")
	if err != nil || res.Jobs != 4 || res.Remaining != 6 {
		t.Fatalf("retry 4 dns of s = %+v, %v; want 4 moved, 6 left", res, err)
	}
	res, err = q.RetryFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrHTTP4xx, Schedule: "s"}, "ops")
	if err != nil || res.Jobs != 10 || res.Skipped != 10 || res.Remaining != 10 {
		t.Fatalf("retry http_4xx of s = %+v, %v; want 10 moved, 10 skipped", res, err)
	}
	res, err = q.PurgeFailed(ctx, queue.FailedFilter{Schedule: "s", ErrorType: crawler.ErrDNS})
	if err != nil || res.Jobs != 6 || res.Remaining != 0 {
		t.Fatalf("purge dns of s = %+v, %v", res, err)
	}
	p, err := q.ListJobs(ctx, queue.ListOptions{State: crawler.StateFailed, Schedule: "s", ErrorType: crawler.ErrHTTP4xx, Limit: 3})
	if err != nil || len(p.Jobs) != 3 || p.Next == "" {
		t.Fatalf("list = %+v, %v", p, err)
	}
}
