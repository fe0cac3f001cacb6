package queue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// MaxListLimit bounds one page of List.
const MaxListLimit = 1000

// ListableStates are the states List pages through; completed jobs are
// found by id only.
var ListableStates = []crawler.State{crawler.StateWaiting, crawler.StateActive, crawler.StateDelayed, crawler.StateFailed}

// JobPage is one page of List.
type JobPage struct {
	Jobs []crawler.Status
	// Next is the cursor of the following page; "" when this page was the
	// last (a full page may still be followed by an empty one).
	Next string
}

// List returns up to limit jobs in state, oldest first (delayed: due
// soonest first), each as Status shows it, starting after cursor ("" for
// the first page). One round trip, O(limit) work in Redis. A malformed
// cursor is ErrInvalidCursor.
func (q *Queue) List(ctx context.Context, state crawler.State, cursor string, limit int) (JobPage, error) {
	limit = min(max(limit, 1), MaxListLimit)
	res, err := q.scripts.list.Run(ctx, q.rdb, []string{q.keys.stream, q.keys.delayed, q.keys.failed},
		q.keys.base, group, string(state), cursor, limit).Slice()
	if err != nil {
		if redis.HasErrorPrefix(err, "invalid cursor") {
			return JobPage{}, fmt.Errorf("queue: list %s: %w", state, ErrInvalidCursor)
		}
		return JobPage{}, fmt.Errorf("queue: list %s: %w", state, keyspace.Classify(err))
	}
	if len(res) != 2 {
		return JobPage{}, fmt.Errorf("queue: list %s: unexpected reply %v", state, res)
	}
	page := JobPage{Jobs: []crawler.Status{}}
	page.Next, _ = res[0].(string)
	items, _ := res[1].([]any)
	for _, it := range items {
		f, _ := it.([]any)
		if len(f) != 3 {
			continue
		}
		id, _ := f[0].(string)
		raw, _ := f[1].(string)
		held, _ := f[2].(int64)
		st, err := statusOf(id, raw, held)
		if err != nil {
			return JobPage{}, fmt.Errorf("queue: list %s: %w", state, err)
		}
		page.Jobs = append(page.Jobs, st)
	}
	return page, nil
}

// statusOf is a job's public view from its record and the deliveries of
// its entry a worker holds now.
func statusOf(id, raw string, held int64) (crawler.Status, error) {
	var rec record
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return crawler.Status{}, fmt.Errorf("decode record %s: %w", id, err)
	}
	st := crawler.Status{ID: id, State: rec.State, Attempts: rec.Attempts, Result: rec.Result, Error: rec.Error}
	if held > 0 {
		// The record counts finished attempts; each delivery of the
		// held entry is a run too: this one, and any a dead worker made.
		st.State = crawler.StateActive
		st.Attempts += int(held)
	}
	return st, nil
}
