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
// pending and it runs again (at least once, never lost).
//
// Concurrent calls share round trips (see rounds). A call returns when its
// round is written, or when ctx ends before its round was sent.
func (q *Queue) Complete(ctx context.Context, d Delivery, result crawler.Result) error {
	c := &completion{d: d, result: result, done: make(chan error, 1)}
	if err := q.awaitCommit(ctx, c); err != nil {
		return fmt.Errorf("queue: complete %s: %w", d.Job.ID, err)
	}
	return nil
}

// addCommits queues the commands of a batch of completions: records (and
// schedule results) first, then one XACK and one XDEL for all entries. It
// returns the commands so their errors can be told from the reads'.
func (q *Queue) addCommits(ctx context.Context, p redis.Pipeliner, batch []*completion) ([]redis.Cmder, error) {
	now := time.Now()
	sids := make([]any, 0, len(batch))
	cmds := make([]redis.Cmder, 0, 2*len(batch)+2)
	for _, c := range batch {
		res, err := json.Marshal(c.result)
		if err != nil {
			return nil, fmt.Errorf("encode result of %s: %w", c.d.Job.ID, err)
		}
		key := q.keys.job(c.d.Job.ID)
		cmds = append(cmds, p.HSet(ctx, key, "state", string(crawler.StateCompleted), "attempts", c.d.Attempt, "result", res))
		if c.d.Attempt > 1 {
			cmds = append(cmds, p.HDel(ctx, key, "etype", "emsg")) // an earlier attempt's error is no longer the story
		}
		cmds = append(cmds, p.PExpire(ctx, key, q.cfg.RecordTTL))
		if c.d.Job.Schedule != "" {
			r := c.result
			entry, err := json.Marshal(scheduleEntry{
				ID: c.d.Job.ID, State: crawler.StateCompleted, Attempts: c.d.Attempt,
				Result: &r, FinishedMS: now.UnixMilli(),
			})
			if err != nil {
				return nil, fmt.Errorf("encode schedule result of %s: %w", c.d.Job.ID, err)
			}
			list := q.keys.schedule(c.d.Job.Schedule)
			cmds = append(cmds, p.LPush(ctx, list, entry), p.LTrim(ctx, list, 0, int64(q.cfg.ResultsPerSchedule-1)))
		}
		sids = append(sids, c.d.StreamID)
	}
	cmds = append(cmds,
		p.Do(ctx, append([]any{"XACK", q.keys.stream, group}, sids...)...),
		p.Do(ctx, append([]any{"XDEL", q.keys.stream}, sids...)...))
	return cmds, nil
}
