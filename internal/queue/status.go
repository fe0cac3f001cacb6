package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// Status returns the public view of one job, or ErrNotFound when the id is
// unknown or its record has expired.
func (q *Queue) Status(ctx context.Context, id string) (crawler.Status, error) {
	res, err := q.scripts.status.RunRO(ctx, q.rdb, []string{q.keys.job(id), q.keys.stream}, group).Slice()
	if errors.Is(err, redis.Nil) {
		return crawler.Status{}, fmt.Errorf("queue: status %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return crawler.Status{}, fmt.Errorf("queue: status %s: %w", id, keyspace.Classify(err))
	}
	if len(res) != 2 {
		return crawler.Status{}, fmt.Errorf("queue: status %s: unexpected reply %v", id, res)
	}
	raw, _ := res[0].(string)
	held, _ := res[1].(int64)
	st, err := statusOf(id, raw, held)
	if err != nil {
		return crawler.Status{}, fmt.Errorf("queue: status %s: %w", id, err)
	}
	return st, nil
}

// Counts returns the queue's gauges in one round trip, without scanning:
// waiting from the group's lag, active from its pending count, delayed and
// failed from ZCARD, workers from the heartbeat ZSET, the oldest waiting
// job's age from its stream entry id, the pause flag, and the count of
// failed jobs retention dropped.
func (q *Queue) Counts(ctx context.Context) (crawler.QueueCounts, error) {
	res, err := q.scripts.counts.Run(ctx, q.rdb,
		[]string{q.keys.stream, q.keys.delayed, q.keys.failed, q.keys.workers, q.keys.paused, q.keys.space.FailedDropped()}, group).Slice()
	if err != nil {
		return crawler.QueueCounts{}, fmt.Errorf("queue: counts: %w", keyspace.Classify(err))
	}
	if len(res) != 9 {
		return crawler.QueueCounts{}, fmt.Errorf("queue: counts: unexpected reply %v", res)
	}
	n := func(i int) int64 { v, _ := res[i].(int64); return v }
	c := crawler.QueueCounts{Waiting: n(0), Active: n(1), Delayed: n(2), Failed: n(3), Workers: n(4), Paused: n(7) > 0, FailedDropped: n(8)}
	if oldest, _ := res[5].(string); oldest != "" {
		msPart, _, _ := strings.Cut(oldest, "-")
		if t, err := strconv.ParseInt(msPart, 10, 64); err == nil {
			c.OldestWaitingAge = max(0, time.Duration(n(6)-t)*time.Millisecond).Seconds()
		}
	}
	return c, nil
}
