package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// Result is how one job of a schedule ended.
type Result struct {
	crawler.Status
	Finished time.Time `json:"finished"`
}

// resultEntry is the stored form. The queue pushes it as a job of the
// schedule ends, in the same round trip as the job's record, and its
// reclaim script writes it too, so the time is plain milliseconds rather
// than Go's time format.
type resultEntry struct {
	ID         string            `json:"id"`
	State      crawler.State     `json:"state"`
	Attempts   int               `json:"attempts"`
	Result     *crawler.Result   `json:"result,omitempty"`
	Error      *crawler.JobError `json:"error,omitempty"`
	FinishedMS int64             `json:"finished_ms"`
}

// EncodeResult is the stored form of a job's end, for the queue to push
// onto keyspace.Keys.ScheduleResults of the job's schedule.
func EncodeResult(st crawler.Status, finished time.Time) ([]byte, error) {
	return json.Marshal(resultEntry{
		ID: st.ID, State: st.State, Attempts: st.Attempts, Result: st.Result, Error: st.Error,
		FinishedMS: finished.UnixMilli(),
	})
}

// Results returns up to n of the schedule's most recent results, newest
// first: completed jobs and jobs that failed for good. The queue keeps at
// most its ResultsPerSchedule.
func (st *Store) Results(ctx context.Context, name string, n int) ([]Result, error) {
	if n <= 0 {
		return nil, nil
	}
	raw, err := st.rdb.LRange(ctx, st.keys.ScheduleResults(name), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("schedule: results %q: %w", name, keyspace.Classify(err))
	}
	out := make([]Result, 0, len(raw))
	for _, s := range raw {
		var e resultEntry
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			return nil, fmt.Errorf("schedule: results %q: decode: %w", name, err)
		}
		out = append(out, Result{
			Status:   crawler.Status{ID: e.ID, State: e.State, Attempts: e.Attempts, Result: e.Result, Error: e.Error},
			Finished: time.UnixMilli(e.FinishedMS).UTC(),
		})
	}
	return out, nil
}
