package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/schedule"
)

// Complete records a job's result and acknowledges it if the consumer
// still holds the delivery; otherwise it changes nothing and returns
// ErrLeaseLost (another worker runs the job now, or it was parked). A
// delivery leased recently enough cannot have been taken (surelyHeld) and
// is completed with plain commands; the others through a script that
// checks. An error of an earlier attempt is dropped from the record: the
// job succeeded.
//
// Concurrent calls share round trips (see rounds). A call returns when its
// round is written, or when ctx ends before its round was sent.
func (q *Queue) Complete(ctx context.Context, d Delivery, result crawler.Result) error {
	rec, err := json.Marshal(record{State: crawler.StateCompleted, Attempts: d.Attempt, Result: &result,
		Base: d.base, Schedule: d.Job.Schedule, Finished: time.Now().UnixMilli(), Operator: d.operator})
	if err != nil {
		return fmt.Errorf("queue: complete %s: encode record: %w", d.Job.ID, err)
	}
	c := &completion{d: d, record: rec, done: make(chan error, 1)}
	if d.Job.Schedule != "" {
		c.entry, err = schedule.EncodeResult(crawler.Status{
			ID: d.Job.ID, State: crawler.StateCompleted, Attempts: d.Attempt, Result: &result,
		}, time.Now())
		if err != nil {
			return fmt.Errorf("queue: complete %s: encode schedule result: %w", d.Job.ID, err)
		}
	}
	if err := q.awaitCommit(ctx, c); err != nil {
		return fmt.Errorf("queue: complete %s: %w", d.Job.ID, keyspace.Classify(err))
	}
	return nil
}

// surelyHeld reports whether d was leased less than three quarters of a
// lease ago. Redis counts a delivery's idle time from its read (or its
// last extend), which came after d.leased, so until then no reader can
// have found it expired, reclaimed or parked it: its completion needs no
// check. The quarter left covers clock drift and a slow round.
func (q *Queue) surelyHeld(d Delivery) bool {
	return !d.leased.IsZero() && time.Since(d.leased) < q.cfg.Lease*3/4
}

// addCommits queues the plain commands of completions surely held: records
// (and schedule results) first, then one XACK and one XDEL for all entries.
// It returns the commands so their errors can be told from the reads'.
func (q *Queue) addCommits(ctx context.Context, p redis.Pipeliner, batch []*completion) []redis.Cmder {
	sids := make([]any, 0, len(batch))
	cmds := make([]redis.Cmder, 0, len(batch)+2)
	lists := map[string]bool{}
	for _, c := range batch {
		cmds = append(cmds, p.Set(ctx, q.keys.job(c.d.Job.ID), c.record, q.cfg.RecordTTL))
		if c.entry != nil {
			list := q.keys.schedule(c.d.Job.Schedule)
			cmds = append(cmds, p.LPush(ctx, list, c.entry))
			lists[list] = true
		}
		sids = append(sids, c.d.StreamID)
	}
	for list := range lists { // trimmed once per schedule
		cmds = append(cmds, p.LTrim(ctx, list, 0, int64(q.cfg.ResultsPerSchedule-1)), p.PExpire(ctx, list, q.cfg.RecordTTL))
	}
	// The minute's throughput, once per round: as the scripts' tally.
	stats := q.keys.space.Throughput(time.Now().Unix() / 60)
	cmds = append(cmds, p.HIncrBy(ctx, stats, "completed", int64(len(batch))), p.Expire(ctx, stats, throughputTTL))
	return append(cmds,
		p.Do(ctx, append([]any{"XACK", q.keys.stream, group}, sids...)...),
		p.Do(ctx, append([]any{"XDEL", q.keys.stream}, sids...)...))
}

// commitArgs are the keys and arguments of complete.lua, which completes
// the deliveries whose lease may have run out, checking each.
func (q *Queue) commitArgs(batch []*completion) (keys []string, args []any) {
	keys = make([]string, 0, 1+2*len(batch))
	args = make([]any, 0, 4+4*len(batch))
	keys = append(keys, q.keys.stream)
	args = append(args, group, ms(q.cfg.RecordTTL), q.cfg.ResultsPerSchedule, q.keys.base)
	for _, c := range batch {
		record := q.keys.job(c.d.Job.ID)
		list := record
		if c.entry != nil {
			list = q.keys.schedule(c.d.Job.Schedule)
		}
		keys = append(keys, record, list)
		args = append(args, c.d.Consumer, c.d.StreamID, c.record, c.entry)
	}
	return keys, args
}
