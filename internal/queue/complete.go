package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Complete records a job's result and acknowledges it. The record is
// written before the acknowledgement, so a crash in between leaves the job
// pending and it runs again (at least once, never lost). An error of an
// earlier attempt is dropped from the record: the job succeeded.
//
// Concurrent calls share round trips (see rounds). A call returns when its
// round is written, or when ctx ends before its round was sent.
func (q *Queue) Complete(ctx context.Context, d Delivery, result crawler.Result) error {
	rec, err := json.Marshal(record{State: crawler.StateCompleted, Attempts: d.Attempt, Result: &result})
	if err != nil {
		return fmt.Errorf("queue: complete %s: encode record: %w", d.Job.ID, err)
	}
	c := &completion{d: d, record: rec, done: make(chan error, 1)}
	if d.Job.Schedule != "" {
		c.entry, err = json.Marshal(scheduleEntry{
			ID: d.Job.ID, State: crawler.StateCompleted, Attempts: d.Attempt,
			Result: &result, FinishedMS: time.Now().UnixMilli(),
		})
		if err != nil {
			return fmt.Errorf("queue: complete %s: encode schedule result: %w", d.Job.ID, err)
		}
	}
	if err := q.awaitCommit(ctx, c); err != nil {
		return fmt.Errorf("queue: complete %s: %w", d.Job.ID, err)
	}
	return nil
}

// addCommits queues the commands of a batch of completions: records (and
// schedule results) first, then one XACK and one XDEL for all entries. It
// returns the commands so their errors can be told from the reads'.
func (q *Queue) addCommits(ctx context.Context, p redis.Pipeliner, batch []*completion) []redis.Cmder {
	sids := make([]any, 0, len(batch))
	cmds := make([]redis.Cmder, 0, len(batch)+2)
	for _, c := range batch {
		cmds = append(cmds, p.Set(ctx, q.keys.job(c.d.Job.ID), c.record, q.cfg.RecordTTL))
		if c.entry != nil {
			list := q.keys.schedule(c.d.Job.Schedule)
			cmds = append(cmds, p.LPush(ctx, list, c.entry), p.LTrim(ctx, list, 0, int64(q.cfg.ResultsPerSchedule-1)),
				p.PExpire(ctx, list, q.cfg.RecordTTL))
		}
		sids = append(sids, c.d.StreamID)
	}
	return append(cmds,
		p.Do(ctx, append([]any{"XACK", q.keys.stream, group}, sids...)...),
		p.Do(ctx, append([]any{"XDEL", q.keys.stream}, sids...)...))
}
