package queue_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// Newest first is oldest first reversed, in every listable state but
// active, and the failed set's filters list what their index holds.
func TestListNewestAndFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{BackoffBase: time.Hour, BackoffMax: time.Hour})
	enqueue(t, e.q, jobs(4, ""))
	enqueue(t, e.q, jobs(4, "nightly"))
	ds := readN(t, e.q, "c", 6, time.Second) // 2 stay waiting
	for i, d := range ds[:4] {
		et := crawler.ErrHTTP4xx
		if i%2 == 1 {
			et = crawler.ErrTimeout
		}
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(et, "x"), false); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range ds[4:] {
		if _, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrTimeout, "x"), true); err != nil {
			t.Fatal(err)
		}
	}
	// Distinct scores for the failed jobs, so that their order is known.
	for i, d := range ds[:4] {
		e.rdb.ZAdd(ctx, e.q.Config().Keys.Failed(), redis.Z{Score: float64(1_700_000_000_000 + i), Member: d.Job.ID})
	}
	for _, state := range []crawler.State{crawler.StateWaiting, crawler.StateDelayed, crawler.StateFailed} {
		for _, limit := range []int{1, 3, 100} {
			oldest := ids(listAll(t, e.q, state, limit))
			newest := ids(listWith(t, e.q, queue.ListOptions{State: state, Limit: limit, Newest: true}))
			slices.Reverse(newest)
			if len(oldest) == 0 || !slices.Equal(oldest, newest) {
				t.Errorf("%s limit %d: newest first reversed = %v, oldest first = %v", state, limit, newest, oldest)
			}
		}
	}
	if _, err := e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateActive, Newest: true}); !errors.Is(err, queue.ErrInvalidListOptions) {
		t.Errorf("active newest first = %v, want ErrInvalidListOptions", err)
	}
	if _, err := e.q.ListJobs(ctx, queue.ListOptions{State: crawler.StateWaiting, ErrorType: crawler.ErrDNS}); !errors.Is(err, queue.ErrInvalidListOptions) {
		t.Errorf("waiting by error type = %v, want ErrInvalidListOptions", err)
	}
	for _, tt := range []struct {
		o    queue.ListOptions
		want []string
	}{
		{queue.ListOptions{ErrorType: crawler.ErrHTTP4xx}, []string{ds[0].Job.ID, ds[2].Job.ID}},
		{queue.ListOptions{ErrorType: crawler.ErrTimeout, Newest: true}, []string{ds[3].Job.ID, ds[1].Job.ID}},
		{queue.ListOptions{Schedule: "nightly"}, nil},
		{queue.ListOptions{ErrorType: crawler.ErrDNS}, nil},
	} {
		tt.o.State, tt.o.Limit = crawler.StateFailed, 1
		if got := ids(listWith(t, e.q, tt.o)); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 {
			t.Errorf("%+v = %v, want %v", tt.o, got, tt.want)
		}
	}
}

// listWith pages through o with o.Limit, failing on a job listed twice.
func listWith(t *testing.T, q *queue.Queue, o queue.ListOptions) []crawler.Status {
	t.Helper()
	var all []crawler.Status
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("list %+v: no end after 1000 pages", o)
		}
		p, err := q.ListJobs(context.Background(), o)
		if err != nil {
			t.Fatalf("list %+v: %v", o, err)
		}
		for _, st := range p.Jobs {
			if seen[st.ID] {
				t.Fatalf("list %+v: %s twice", o, st.ID)
			}
			seen[st.ID] = true
		}
		all = append(all, p.Jobs...)
		if p.Next == "" {
			return all
		}
		o.Cursor = p.Next
	}
}

// A model of paging while jobs keep arriving: whatever the order, a job
// there before the first page and still there after the last is listed
// exactly once, and no job is listed twice. Arrivals share scores with
// the jobs already there, as failures in one millisecond do.
func TestListCursorModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, newest := range []bool{false, true} {
		for _, state := range []crawler.State{crawler.StateFailed, crawler.StateWaiting} {
			e := newEnv(t, queue.Config{})
			rng := rand.New(rand.NewPCG(uint64(len(state)), 7))
			key := e.q.Config().Keys.Failed()
			// The group exists, so that waiting is "past its last delivery".
			if _, err := e.q.Read(ctx, "nobody", 1, 0); err != nil {
				t.Fatal(err)
			}
			add := func(n int) {
				got := enqueue(t, e.q, jobs(n, ""))
				if state == crawler.StateFailed {
					for _, id := range got {
						e.rdb.ZAdd(ctx, key, redis.Z{Score: float64(1000 + rng.IntN(20)), Member: id})
						e.rdb.Set(ctx, e.q.Config().Keys.Job(id), `{"state":"failed","attempts":1}`, 0)
					}
				}
			}
			add(60)
			before := ids(listWith(t, e.q, queue.ListOptions{State: state, Limit: 1000, Newest: newest}))
			o := queue.ListOptions{State: state, Limit: 1 + rng.IntN(7), Newest: newest}
			seen := map[string]int{}
			for pages := 0; pages < 1000; pages++ {
				p, err := e.q.ListJobs(ctx, o)
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range p.Jobs {
					seen[st.ID]++
				}
				add(rng.IntN(3))
				if p.Next == "" {
					break
				}
				o.Cursor, o.Limit = p.Next, 1+rng.IntN(7)
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("%s newest=%v: %s listed %d times", state, newest, id, n)
				}
			}
			for _, id := range before {
				if seen[id] != 1 {
					t.Errorf("%s newest=%v: %s, there all along, listed %d times", state, newest, id, seen[id])
				}
			}
		}
	}
}
