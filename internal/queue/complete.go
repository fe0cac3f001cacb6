package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Complete records a job's result and acknowledges it, in one script, if
// the consumer still holds the delivery; otherwise it changes nothing and
// returns ErrLeaseLost (another worker runs the job now, or it was
// parked). An error of an earlier attempt is dropped from the record: the
// job succeeded.
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

// addCommits queues the script that completes a batch (complete.lua): for
// each delivery its consumer still holds, the record (and schedule
// result), then one XACK and one XDEL for them all. The script's source
// goes with it: a pipeline cannot fall back from EVALSHA after a restart.
func (q *Queue) addCommits(ctx context.Context, p redis.Pipeliner, batch []*completion) *redis.Cmd {
	keys := make([]string, 0, 1+2*len(batch))
	args := make([]any, 0, 3+4*len(batch))
	keys = append(keys, q.keys.stream)
	args = append(args, group, ms(q.cfg.RecordTTL), q.cfg.ResultsPerSchedule)
	for _, c := range batch {
		record := q.keys.job(c.d.Job.ID)
		list := record
		if c.entry != nil {
			list = q.keys.schedule(c.d.Job.Schedule)
		}
		keys = append(keys, record, list)
		args = append(args, c.d.Consumer, c.d.StreamID, c.record, c.entry)
	}
	return q.scripts.complete.Eval(ctx, p, keys, args...)
}
