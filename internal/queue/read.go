package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// promoteLimit bounds the retries one promotion moves, keeping the script short.
const promoteLimit = 1000

// Delivery is one job handed to one consumer. Give it back to Complete,
// Fail, Extend or Release.
type Delivery struct {
	Job crawler.Job
	// Attempt counts the job's runs from 1: it grows with each retry after
	// Fail and with each redelivery after a worker died holding the job,
	// and a failure past MaxAttempts runs is parked.
	Attempt int
	// StreamID is the stream entry; a retry gets a new one.
	StreamID string
	// Consumer is who holds the delivery.
	Consumer string
	// base is the attempts finished before the job's last operator retry:
	// its budget of MaxAttempts counts from there. operator is that retry.
	base     int
	operator *crawler.Operator
	// leased is the wall-clock time before the read that leased it: Redis
	// counts its idle time from later, so until leased + Lease nobody can
	// have reclaimed it (see Complete).
	leased time.Time
}

// Read returns up to n jobs for consumer, waiting up to block for the
// first (not at all when block <= 0). It also does the queue's periodic
// work, each at most once per interval across the readers of this Queue:
// it promotes due retries and reclaims deliveries whose lease ran out
// (parking those delivered MaxDeliveries times). Reclaimed jobs come first.
// block is capped at PromoteEvery and ReclaimEvery so that periodic work
// happens even on an idle queue; callers simply read in a loop.
func (q *Queue) Read(ctx context.Context, consumer string, n int, block time.Duration) (_ []Delivery, err error) {
	defer func() { q.sawFailure(err) }()
	n = min(max(n, 1), MaxBatch)
	now := time.Now()
	if due(&q.nextPromote, now, q.cfg.PromoteEvery) {
		if err := q.promote(ctx); err != nil {
			q.nextPromote.Store(0) // try again on the next read
			return nil, fmt.Errorf("queue: read: promote retries: %w", keyspace.Classify(err))
		}
	}
	// Paused: no reads and no reclaims (a reclaim takes work too). Retries
	// still move from the delayed set into the stream, where they wait.
	paused, err := q.pausedNow(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("queue: read: pause flag: %w", keyspace.Classify(err))
	}
	if paused {
		holdOff(ctx, block)
		return nil, nil
	}
	if now.UnixNano() >= q.reclaimAfter.Load() && due(&q.nextReclaim, now, q.cfg.ReclaimEvery) {
		ds, err := q.reclaim(ctx, consumer, n, now)
		if err != nil {
			q.nextReclaim.Store(0)
			return nil, fmt.Errorf("queue: read: reclaim for %s: %w", consumer, keyspace.Classify(err))
		}
		if len(ds) == n {
			q.nextReclaim.Store(0) // there may be more
		}
		if len(ds) > 0 {
			return ds, nil
		}
	}

	// First a read that shares its round trip with other callers; only if
	// the stream has nothing for us, a blocking read of our own.
	var msgs []redis.XMessage
	err = q.withGroup(ctx, func() error {
		var err error
		msgs, paused, err = q.awaitRead(ctx, &readReq{consumer: consumer, n: n, out: make(chan readResult, 1)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("queue: read for %s: %w", consumer, keyspace.Classify(err))
	}
	q.pause.set(paused)
	if paused {
		// Paused since the last look: what the round read goes back.
		if err := q.giveBack(ctx, consumer, msgs); err != nil {
			return nil, fmt.Errorf("queue: read for %s: %w", consumer, err)
		}
		return nil, nil
	}
	block = min(block, q.cfg.PromoteEvery, q.cfg.ReclaimEvery)
	if len(msgs) == 0 && block > 0 {
		if msgs, err = q.readBlocking(ctx, consumer, n, block); err != nil {
			return nil, fmt.Errorf("queue: read for %s: %w", consumer, keyspace.Classify(err))
		}
		if msgs, err = q.confirmRunning(ctx, consumer, msgs); err != nil {
			return nil, fmt.Errorf("queue: read for %s: %w", consumer, err)
		}
	}
	ds := make([]Delivery, 0, len(msgs))
	for _, m := range msgs {
		ds = q.appendDelivery(ctx, ds, consumer, m.ID, m.Values, now)
	}
	return ds, nil
}

func (q *Queue) readBlocking(ctx context.Context, consumer string, n int, block time.Duration) ([]redis.XMessage, error) {
	var streams []redis.XStream
	err := q.withGroup(ctx, func() error {
		var err error
		streams, err = q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: group, Consumer: consumer, Streams: []string{q.keys.stream, ">"},
			Count: int64(n), Block: block,
		}).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	var msgs []redis.XMessage
	for _, s := range streams {
		msgs = append(msgs, s.Messages...)
	}
	return msgs, err
}

func (q *Queue) promote(ctx context.Context) error {
	return q.scripts.promote.Run(ctx, q.rdb,
		[]string{q.keys.delayed, q.keys.stream, q.keys.failed},
		q.keys.base, promoteLimit).Err()
}

// sweepLimit bounds the failed jobs one reclaim drops for retention; more
// go with the next sweeps and parks.
const sweepLimit = 500

// consumerDropIdle is how long a consumer that holds nothing may stay in
// the group; each worker process brings a new consumer name.
const consumerDropIdle = time.Hour

func (q *Queue) reclaim(ctx context.Context, consumer string, n int, leased time.Time) ([]Delivery, error) {
	var res []any
	err := q.withGroup(ctx, func() error {
		var err error
		res, err = q.scripts.reclaim.Run(ctx, q.rdb, []string{q.keys.stream, q.keys.failed},
			q.keys.base, group, consumer, ms(q.cfg.Lease), q.cfg.MaxDeliveries, n,
			ms(q.cfg.RecordTTL), ms(consumerDropIdle), q.cfg.ResultsPerSchedule,
			ms(q.cfg.FailedRetention), q.cfg.FailedMax, sweepLimit).Slice()
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(res) != 3 {
		return nil, fmt.Errorf("reclaim script: unexpected reply %v", res)
	}
	entries, _ := res[0].([]any)
	counts, _ := res[2].([]any)
	var ds []Delivery
	for i, e := range entries {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			continue
		}
		id, _ := pair[0].(string)
		flat, _ := pair[1].([]any)
		values := make(map[string]any, len(flat)/2)
		for i := 0; i+1 < len(flat); i += 2 {
			k, _ := flat[i].(string)
			values[k] = flat[i+1]
		}
		before := len(ds)
		ds = q.appendDelivery(ctx, ds, consumer, id, values, leased)
		if len(ds) > before && i < len(counts) {
			if n, ok := counts[i].(int64); ok && n > 1 {
				ds[before].Attempt += int(n) - 1 // the dead workers' runs
			}
		}
	}
	return ds, nil
}

// appendDelivery decodes one stream entry. An entry that cannot be decoded
// would only come back after every lease, so it is parked at once.
func (q *Queue) appendDelivery(ctx context.Context, ds []Delivery, consumer, sid string, v map[string]any, leased time.Time) []Delivery {
	d := Delivery{StreamID: sid, Consumer: consumer, leased: leased.Round(0)}
	id, _ := v["i"].(string)
	a, _ := v["a"].(string)
	j, _ := v["j"].(string)
	d.Job.ID = id
	if id == "" {
		d.Job.ID = sid // so a parked entry still has a record to look at
	}
	attempt, err := strconv.Atoi(a)
	if err == nil {
		d.Attempt = attempt
		err = json.Unmarshal([]byte(j), &d.Job)
	}
	// Set by an operator retry; a malformed one only costs the budget's
	// start or the record's note of who retried it.
	if b, ok := v["b"].(string); ok {
		d.base, _ = strconv.Atoi(b)
	}
	if o, ok := v["o"].(string); ok && o != "" {
		var op crawler.Operator
		if json.Unmarshal([]byte(o), &op) == nil {
			d.operator = &op
		}
	}
	if err != nil || id == "" {
		// Best effort: if parking fails too, the entry is reclaimed after
		// its lease and parked by MaxDeliveries.
		_, _ = q.Fail(ctx, d, crawler.Errorf(crawler.ErrInternal, "queue: undecodable stream entry %s: %v", sid, err), false)
		return ds
	}
	return append(ds, d)
}
