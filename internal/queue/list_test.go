package queue_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// listAll pages through state with limit and returns the ids in order,
// failing on a job listed twice or in another state.
func listAll(t *testing.T, q *queue.Queue, state crawler.State, limit int) []crawler.Status {
	t.Helper()
	var all []crawler.Status
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("list %s: no end after 100 pages", state)
		}
		p, err := q.ListJobs(context.Background(), queue.ListOptions{State: state, Cursor: cursor, Limit: limit})
		if err != nil {
			t.Fatalf("list %s after %q: %v", state, cursor, err)
		}
		if len(p.Jobs) > limit {
			t.Fatalf("list %s: page of %d, limit %d", state, len(p.Jobs), limit)
		}
		for _, st := range p.Jobs {
			if st.State != state {
				t.Errorf("list %s: job %s is %s", state, st.ID, st.State)
			}
			if slices.ContainsFunc(all, func(o crawler.Status) bool { return o.ID == st.ID }) {
				t.Fatalf("list %s: job %s twice", state, st.ID)
			}
		}
		all = append(all, p.Jobs...)
		if p.Next == "" {
			return all
		}
		cursor = p.Next
	}
}

func ids(sts []crawler.Status) []string {
	out := make([]string, len(sts))
	for i, st := range sts {
		out[i] = st.ID
	}
	return out
}

// List pages through each state, oldest first, each job as Status shows
// it, every job once whatever the page size.
func TestListByState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{BackoffBase: time.Hour, BackoffMax: time.Hour})
	all := enqueue(t, e.q, jobs(9, ""))
	ds := readN(t, e.q, "c", 5, time.Second) // the 5 oldest
	for _, d := range ds[:1] {
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP5xx, "503"), true); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range ds[1:3] {
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "404"), false); err != nil {
			t.Fatal(err)
		}
	}
	want := map[crawler.State][]string{
		crawler.StateDelayed: all[:1], crawler.StateFailed: all[1:3], crawler.StateActive: all[3:5], crawler.StateWaiting: all[5:],
	}
	for _, limit := range []int{1, 2, 1000} {
		for state, w := range want {
			got := listAll(t, e.q, state, limit)
			if !slices.Equal(ids(got), w) {
				t.Errorf("limit %d: %s = %v, want %v", limit, state, ids(got), w)
			}
			for _, st := range got {
				if one := status(t, e.q, st.ID); one.State != st.State || one.Attempts != st.Attempts ||
					(one.Error == nil) != (st.Error == nil) {
					t.Errorf("listed %+v, but Status shows %+v", st, one)
				}
			}
		}
	}
	if _, err := e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateFailed, Cursor: "not-a-cursor", Limit: 10}); !errors.Is(err, queue.ErrInvalidCursor) {
		t.Errorf("list with a bad cursor = %v, want ErrInvalidCursor", err)
	}
	if _, err := e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateWaiting, Cursor: "1-x", Limit: 10}); !errors.Is(err, queue.ErrInvalidCursor) {
		t.Errorf("list with a bad stream cursor = %v, want ErrInvalidCursor", err)
	}
}

// Jobs failed within one millisecond share a score: the cursor's id
// keeps pages apart, so none is skipped or repeated.
func TestListFailedTies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	all := enqueue(t, e.q, jobs(7, ""))
	for _, d := range readN(t, e.q, "c", 7, time.Second) {
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "404"), false); err != nil {
			t.Fatal(err)
		}
	}
	key := e.q.Config().Keys.Failed()
	for _, id := range all {
		e.rdb.ZAdd(ctx, key, redis.Z{Score: 1_700_000_000_000, Member: id})
	}
	sorted := slices.Sorted(slices.Values(all))
	for _, limit := range []int{1, 3, 7} {
		if got := ids(listAll(t, e.q, crawler.StateFailed, limit)); !slices.Equal(got, sorted) {
			t.Errorf("limit %d: failed = %v, want %v", limit, got, sorted)
		}
	}
	// An empty queue lists nothing, in every state.
	empty := newEnv(t, queue.Config{})
	for _, state := range queue.ListableStates {
		if p, err := empty.q.ListJobs(ctx, queue.ListOptions{State: state, Cursor: "", Limit: 10}); err != nil || len(p.Jobs) != 0 || p.Next != "" {
			t.Errorf("empty queue: %s = %+v, %v", state, p, err)
		}
	}
}

// A page costs Redis what is on it, not what is in the queue: listing 10
// of 300 failed jobs reads 10 records with one range query.
func TestListCostsAPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	all := enqueue(t, e.q, jobs(300, ""))
	for _, d := range readN(t, e.q, "c", 300, 5*time.Second) {
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "404"), false); err != nil {
			t.Fatal(err)
		}
	}
	// One failure per millisecond, so no ties (TestListFailedTies has them).
	for i, id := range all {
		e.rdb.ZAdd(ctx, e.q.Config().Keys.Failed(), redis.Z{Score: float64(1_700_000_000_000 + i), Member: id})
	}
	if err := e.rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	p, err := e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateFailed, Cursor: "", Limit: 10})
	if err != nil || len(p.Jobs) != 10 {
		t.Fatalf("list = %d jobs, %v", len(p.Jobs), err)
	}
	if _, err := e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateFailed, Cursor: p.Next, Limit: 10}); err != nil {
		t.Fatal(err)
	}
	stats := commandStats(t, e.rdb)
	// A page is one range by rank; the cursor's rank is two ZCOUNTs and a
	// bisection of the jobs on its score (here one).
	if stats["get"] != 20 || stats["zrange"] != 3 || stats["zcount"] != 2 {
		t.Errorf("two pages of 10 of 300: %v; want 20 GET, 3 ZRANGE and 2 ZCOUNT", stats)
	}
}
