package queue_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// TestCountsFollowRandomOperations: over 3,000 random steps (enqueue, read,
// complete, fail retryable or not, release, a dead worker's drop, while
// reclaims, promotions and parking run) the publisher's O(1) counts of
// waiting and active jobs equal what the stream and its pending list hold.
func TestCountsFollowRandomOperations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{Keys: "c", Lease: 50 * time.Millisecond, ReclaimEvery: 10 * time.Millisecond,
		PromoteEvery: 5 * time.Millisecond, BackoffBase: time.Millisecond, BackoffMax: 3 * time.Millisecond, MaxDeliveries: 3})
	r := rand.New(rand.NewPCG(1, 2))
	var held []queue.Delivery
	for step := range 3000 {
		switch k := r.IntN(10); {
		case k < 3:
			enqueue(t, e.q, jobs(1+r.IntN(3), ""))
		case k < 5:
			ds, err := e.q.Read(ctx, []string{"a", "b", "c"}[r.IntN(3)], 1+r.IntN(3), 0)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, ds...)
		case len(held) > 0:
			i := r.IntN(len(held))
			d := held[i]
			held = append(held[:i], held[i+1:]...)
			switch r.IntN(5) {
			case 0:
				_ = e.q.Complete(ctx, d, crawler.Result{})
			case 1:
				_, _ = e.q.Fail(ctx, d, errors.New("x"), true)
			case 2:
				_ = e.q.Release(ctx, []queue.Delivery{d})
			case 3:
				// drop: simulates a dead worker
			case 4:
				_, _ = e.q.Fail(ctx, d, errors.New("x"), false)
			}
		}
		if step%7 == 0 {
			time.Sleep(2 * time.Millisecond)
		}
		c := counts(t, e.q)
		pend, _ := e.rdb.XPending(ctx, "{c}:stream", "workers").Result()
		groups, _ := e.rdb.XInfoGroups(ctx, "{c}:stream").Result()
		waiting := int64(0)
		if len(groups) == 1 {
			msgs, _ := e.rdb.XRangeN(ctx, "{c}:stream", "("+groups[0].LastDeliveredID, "+", 1e6).Result()
			waiting = int64(len(msgs))
		} else {
			waiting, _ = e.rdb.XLen(ctx, "{c}:stream").Result()
		}
		var p int64
		if pend != nil {
			p = pend.Count
		}
		if c.Waiting != waiting || c.Active != p {
			t.Fatalf("step %d: counts %+v; truth waiting %d active %d", step, c, waiting, p)
		}
	}
}
