package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// ScheduleResult is how one job of a schedule ended.
type ScheduleResult struct {
	crawler.Status
	Finished time.Time `json:"finished"`
}

// scheduleEntry is the stored form; the reclaim script writes it too, so
// the time is plain milliseconds rather than Go's time format.
type scheduleEntry struct {
	ID         string            `json:"id"`
	State      crawler.State     `json:"state"`
	Attempts   int               `json:"attempts"`
	Result     *crawler.Result   `json:"result,omitempty"`
	Error      *crawler.JobError `json:"error,omitempty"`
	FinishedMS int64             `json:"finished_ms"`
}

// ScheduleResults returns up to n of the schedule's most recent results,
// newest first: completed jobs and jobs that failed for good. At most
// ResultsPerSchedule are kept.
func (q *Queue) ScheduleResults(ctx context.Context, name string, n int) ([]ScheduleResult, error) {
	if n <= 0 {
		return nil, nil
	}
	raw, err := q.rdb.LRange(ctx, q.keys.schedule(name), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("queue: schedule results %s: %w", name, err)
	}
	out := make([]ScheduleResult, 0, len(raw))
	for _, s := range raw {
		var e scheduleEntry
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			return nil, fmt.Errorf("queue: schedule results %s: decode: %w", name, err)
		}
		out = append(out, ScheduleResult{
			Status:   crawler.Status{ID: e.ID, State: e.State, Attempts: e.Attempts, Result: e.Result, Error: e.Error},
			Finished: time.UnixMilli(e.FinishedMS).UTC(),
		})
	}
	return out, nil
}

// DeleteScheduleResults forgets a schedule's results, when the schedule is
// deleted. A job of it still running may add one afterwards; every push
// renews the list's expiry to RecordTTL, so such a straggler goes with it.
func (q *Queue) DeleteScheduleResults(ctx context.Context, name string) error {
	if err := q.rdb.Del(ctx, q.keys.schedule(name)).Err(); err != nil {
		return fmt.Errorf("queue: delete schedule results %s: %w", name, err)
	}
	return nil
}
