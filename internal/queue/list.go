package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// MaxListLimit bounds one page of List.
const MaxListLimit = 1000

// ListableStates are the states List pages through; completed and
// canceled jobs are found by id only.
var ListableStates = []crawler.State{crawler.StateWaiting, crawler.StateActive, crawler.StateDelayed, crawler.StateFailed}

// JobPage is one page of List.
type JobPage struct {
	Jobs []crawler.Status
	// Next is the cursor of the following page; "" when this page was the
	// last (a full page may still be followed by an empty one). A page may
	// be short, even empty, while Next is set: see ListJobs.
	Next string
}

// ListOptions choose one page of ListJobs.
type ListOptions struct {
	State  crawler.State
	Cursor string // "" for the first page; else a JobPage.Next of the same options
	Limit  int    // 1 to MaxListLimit
	// Newest lists newest first (delayed: due latest first); not for
	// active jobs, whose pending list reads forward only.
	Newest bool
	// ErrorType and Schedule keep only the failed jobs of that last error
	// type and of that schedule; they need State failed.
	ErrorType crawler.ErrorType
	Schedule  string
}

// ListJobs returns up to o.Limit jobs in o.State, each as Status shows it,
// oldest first (delayed: due soonest first) or newest first, starting
// after o.Cursor ("" for the first page); a malformed cursor is
// ErrInvalidCursor. One round trip, O(limit) work in Redis. A page of
// failed jobs of one error type or one schedule reads that index, so it
// costs O(limit) too; of both, the smaller index is read and its jobs that
// miss the other filter are skipped over, at most limit + 2000 jobs looked
// at a call: when that bound ends a call, its page is short (even empty) and
// Next goes on from the last job looked at. A cursor resumes in O(log² n)
// however many jobs share its score. Options that do not go together are
// ErrInvalidListOptions; a waiting or active cursor that is not a usable
// stream id, like any cursor ListJobs did not make, is ErrInvalidCursor.
func (q *Queue) ListJobs(ctx context.Context, o ListOptions) (JobPage, error) {
	state := o.State
	if (o.ErrorType != "" || o.Schedule != "") && state != crawler.StateFailed {
		return JobPage{}, fmt.Errorf("queue: list %s: error type or schedule: %w", state, ErrInvalidListOptions)
	}
	if o.Newest && state == crawler.StateActive {
		return JobPage{}, fmt.Errorf("queue: list %s newest first: %w", state, ErrInvalidListOptions)
	}
	if (state == crawler.StateWaiting || state == crawler.StateActive) && o.Cursor != "" && !validStreamCursor(o.Cursor) {
		return JobPage{}, fmt.Errorf("queue: list %s: %w", state, ErrInvalidCursor)
	}
	limit := min(max(o.Limit, 1), MaxListLimit)
	// The set to read: the failed set, or one filter's index; with both
	// filters the script reads the smaller index and checks the other.
	set, other := q.keys.failed, ""
	switch {
	case o.Schedule != "" && o.ErrorType != "":
		set, other = q.keys.space.FailedBySchedule(o.Schedule), q.keys.space.FailedByType(string(o.ErrorType))
	case o.Schedule != "":
		set = q.keys.space.FailedBySchedule(o.Schedule)
	case o.ErrorType != "":
		set = q.keys.space.FailedByType(string(o.ErrorType))
	}
	keys := []string{q.keys.stream, q.keys.delayed, set}
	if other != "" {
		keys = append(keys, other)
	}
	order := "oldest"
	if o.Newest {
		order = "newest"
	}
	res, err := q.scripts.list.Run(ctx, q.rdb, keys,
		q.keys.base, group, string(state), o.Cursor, limit, order, string(o.ErrorType), o.Schedule).Slice()
	if err != nil {
		if redis.HasErrorPrefix(err, "invalid cursor") || o.Cursor != "" && streamIDError(err) {
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

// validStreamCursor says whether cursor is a stream id that can start an
// exclusive range: two numbers that fit 64 bits, written without leading
// zeros, not the largest id. Redis refuses the rest mid-script.
func validStreamCursor(cursor string) bool {
	ms, seq, ok := strings.Cut(cursor, "-")
	if !ok {
		return false
	}
	m, err1 := strconv.ParseUint(ms, 10, 64)
	n, err2 := strconv.ParseUint(seq, 10, 64)
	// Written as Redis writes ids (no sign, no leading zero): the scripts
	// compare them as digit strings.
	canonical := strconv.FormatUint(m, 10) == ms && strconv.FormatUint(n, 10) == seq
	return err1 == nil && err2 == nil && canonical && !(m == math.MaxUint64 && n == math.MaxUint64)
}

// streamIDError says whether Redis refused a stream id the cursor gave:
// a cursor that passed validStreamCursor but not Redis is still the
// caller's.
func streamIDError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Invalid stream ID") || strings.Contains(s, "ID for the interval")
}

// statusOf is a job's public view from its record and the deliveries of
// its entry a worker holds now.
func statusOf(id, raw string, held int64) (crawler.Status, error) {
	var rec record
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return crawler.Status{}, fmt.Errorf("decode record %s: %w", id, err)
	}
	st := crawler.Status{ID: id, State: rec.State, Attempts: rec.Attempts, Result: rec.Result, Error: rec.Error,
		Schedule: rec.Schedule, Operator: rec.Operator}
	if t, ok := idTime(id); ok {
		st.Created = &t
	}
	if rec.Finished > 0 {
		t := time.UnixMilli(rec.Finished).UTC()
		st.Finished = &t
	}
	if held > 0 {
		// The record counts finished attempts; each delivery of the
		// held entry is a run too: this one, and any a dead worker made.
		st.State = crawler.StateActive
		st.Attempts += int(held)
	}
	return st, nil
}
