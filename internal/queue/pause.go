package queue

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// pauseCheckEvery is how often a paused reader (or one that has not read
// yet) asks Redis whether the queue is still paused. A running reader asks
// nothing of its own: the flag rides its reads (see pauseView).
const pauseCheckEvery = 250 * time.Millisecond

// The states of pauseView.state.
const (
	pauseUnknown int32 = iota // before the first look: Read checks first
	pauseRunning
	pausePaused
)

// pauseView is this Queue's view of the pause flag. Every shared read
// round reads the flag in the same MULTI as its XREADGROUPs, and a blocking
// read that brought jobs confirms it, so a running queue pays no round trip
// for it; only a paused reader polls, every pauseCheckEvery.
type pauseView struct {
	state     atomic.Int32
	nextCheck atomic.Int64 // unix nanos
}

func (v *pauseView) set(paused bool) {
	if paused {
		v.state.Store(pausePaused)
	} else {
		v.state.Store(pauseRunning)
	}
}

// Pause stops every worker's reads: within a second none takes a new job,
// and each finishes what it holds. The flag is a key without expiry, so it
// outlives restarts of every process. It reports whether the queue was
// running before (false: it was paused already, and nothing changed).
func (q *Queue) Pause(ctx context.Context) (bool, error) {
	ok, err := q.rdb.SetNX(ctx, q.keys.paused, strconv.FormatInt(time.Now().UnixMilli(), 10), 0).Result()
	if err != nil {
		return false, fmt.Errorf("queue: pause: %w", keyspace.Classify(err))
	}
	q.pause.set(true)
	return ok, nil
}

// Resume lets workers read again. It reports whether the queue was paused
// before.
func (q *Queue) Resume(ctx context.Context) (bool, error) {
	n, err := q.rdb.Del(ctx, q.keys.paused).Result()
	if err != nil {
		return false, fmt.Errorf("queue: resume: %w", keyspace.Classify(err))
	}
	q.pause.set(false)
	return n > 0, nil
}

// pausedNow reports whether Read should hold off, asking Redis when the
// view is unknown or paused and the last look is pauseCheckEvery old.
func (q *Queue) pausedNow(ctx context.Context, now time.Time) (bool, error) {
	if q.pause.state.Load() == pauseRunning || !due(&q.pause.nextCheck, now, pauseCheckEvery) {
		return q.pause.state.Load() == pausePaused, nil
	}
	n, err := q.rdb.Exists(ctx, q.keys.paused).Result()
	if err != nil {
		q.pause.nextCheck.Store(0)
		return false, err
	}
	q.pause.set(n > 0)
	return n > 0, nil
}

// confirmRunning asks Redis, after a blocking read brought msgs, whether a
// pause landed while it blocked; then the jobs go back. It costs a round
// trip only for a read that waited on an empty queue and then got jobs: a
// busy queue is read by the shared rounds, which carry the flag.
func (q *Queue) confirmRunning(ctx context.Context, consumer string, msgs []redis.XMessage) ([]redis.XMessage, error) {
	if len(msgs) == 0 {
		return msgs, nil
	}
	n, err := q.rdb.Exists(ctx, q.keys.paused).Result()
	if err != nil {
		// The jobs are ours now; the next read looks again.
		return msgs, nil
	}
	if n == 0 {
		return msgs, nil
	}
	q.pause.set(true)
	return nil, q.giveBack(ctx, consumer, msgs)
}

// holdOff waits out a paused reader's block, at most pauseCheckEvery, so
// the caller's loop does not spin; nothing in Redis can be blocked on for
// a key's disappearance.
func holdOff(ctx context.Context, block time.Duration) {
	if block = min(block, pauseCheckEvery); block <= 0 {
		return
	}
	t := time.NewTimer(block)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// giveBack releases entries read while the queue turned out paused: they
// were never started, so no attempt counts.
func (q *Queue) giveBack(ctx context.Context, consumer string, msgs []redis.XMessage) error {
	ds := make([]Delivery, len(msgs))
	for i, m := range msgs {
		id, _ := m.Values["i"].(string)
		ds[i] = Delivery{StreamID: m.ID, Consumer: consumer}
		ds[i].Job.ID = id
	}
	return q.Release(ctx, ds)
}
