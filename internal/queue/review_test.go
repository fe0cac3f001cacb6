package queue_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// A queue entry that cannot be decoded is parked under its stream id
// ("1733…-0"): the cursors the failed list gives across it are taken back,
// and a bulk purge goes past it.
func TestCursorAcrossAParkedStreamID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	seedFailed(t, e.rdb, e.q, 3, 1, func(int) parked { return parked{etype: crawler.ErrInternal} })
	ks := e.q.Config().Keys
	enqueue(t, e.q, []queue.EnqueueRequest{{Job: crawler.Job{URL: "https://example.com/"}}}) // makes the group
	if err := e.rdb.XAdd(ctx, &redis.XAddArgs{Stream: ks.Stream(), Values: []string{"a", "x"}}).Err(); err != nil {
		t.Fatal(err)
	}
	// One read takes both: the good job, and the bad entry, parked.
	if ds, err := e.q.Read(ctx, "w", 10, time.Second); err != nil || len(ds) != 1 {
		t.Fatalf("read = %v, %v; want the good job", ds, err)
	}
	var ids []string
	o := queue.ListOptions{State: crawler.StateFailed, Limit: 1, Newest: true}
	for pages := 0; ; pages++ {
		p, err := e.q.ListJobs(ctx, o)
		if err != nil {
			t.Fatalf("page %d (cursor %q): %v", pages, o.Cursor, err)
		}
		for _, st := range p.Jobs {
			ids = append(ids, st.ID)
		}
		if p.Next == "" || pages > 10 {
			break
		}
		o.Cursor = p.Next
	}
	if len(ids) != 4 || !strings.Contains(ids[0], "-") {
		t.Fatalf("listed %v; want the parked entry's stream id first, then the 3 seeded", ids)
	}
	res, err := e.q.PurgeFailed(ctx, queue.FailedFilter{ErrorType: crawler.ErrInternal})
	if err != nil || res.Jobs != 4 || res.Remaining != 0 {
		t.Fatalf("purge = %+v, %v; want all 4", res, err)
	}
}

// A bulk retry takes each job at most once, even when a retried job fails
// again before the pass ends and is parked behind its cursor.
func TestBulkRetryTakesEachJobOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{MaxAttempts: 1})
	const n = 5000 // ten script calls
	seedFailed(t, e.rdb, e.q, n, 1, func(int) parked { return parked{etype: crawler.ErrHTTP4xx} })
	// Workers fail every job they read, while the pass runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ds, err := e.q.Read(ctx, fmt.Sprintf("w%d", w), 50, time.Millisecond)
				if err != nil {
					continue
				}
				for _, d := range ds {
					_, _ = e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrHTTP4xx, "again"), false)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // the workers are reading
	res, err := e.q.RetryFailed(ctx, queue.FailedFilter{}, "ops")
	close(stop)
	wg.Wait()
	if err != nil || res.Jobs > n {
		t.Fatalf("retry = %+v, %v; want at most %d moved (each job once)", res, err, n)
	}
	if res.Jobs != n {
		t.Errorf("retry moved %d, want all %d", res.Jobs, n)
	}
}

// The embedded Redis's Lua reads numbers as 64-bit integers: stream-id
// cursors past 2^63 are compared as digit strings there too.
func TestHugeStreamCursorOnMiniredis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	q := queue.New(rdb, queue.Config{})
	enqueue(t, q, []queue.EnqueueRequest{{Job: crawler.Job{URL: "https://example.com/"}}})
	for _, c := range []string{"9223372036854775808-0", "18446744073709551614-0", "1-18446744073709551614"} {
		for _, newest := range []bool{false, true} {
			if _, err := q.ListJobs(ctx, queue.ListOptions{State: crawler.StateWaiting, Cursor: c, Limit: 5, Newest: newest}); err != nil {
				t.Errorf("waiting after %s (newest %v): %v", c, newest, err)
			}
		}
	}
	for _, c := range []string{"007-0", "1-01", "+1-0"} {
		if _, err := q.ListJobs(ctx, queue.ListOptions{State: crawler.StateWaiting, Cursor: c, Limit: 5}); err == nil {
			t.Errorf("cursor %q accepted; want ErrInvalidCursor", c)
		}
	}
}
