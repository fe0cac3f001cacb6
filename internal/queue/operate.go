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

// failedBatch bounds the failed jobs one script call retries or purges, so
// that a bulk action never holds Redis for more than a few milliseconds.
const failedBatch = 500

// MaxFailedAction bounds the failed jobs one RetryFailed or PurgeFailed
// takes, and is their default.
const MaxFailedAction = 10_000

// FailedFilter chooses failed jobs for RetryFailed and PurgeFailed: the
// oldest Limit of those with last error type ErrorType and enqueued by
// Schedule; each empty field matches any.
type FailedFilter struct {
	ErrorType crawler.ErrorType
	Schedule  string
	Limit     int // 1 to MaxFailedAction; 0 means MaxFailedAction
}

// Taken is the outcome of a bulk action on failed jobs.
type Taken struct {
	// Jobs is how many jobs the action moved or deleted.
	Jobs int
	// Remaining is how many failed jobs still match the filter.
	Remaining int64
	// Skipped is how many matching jobs a retry left in place because
	// they cannot be retried: parked by an older version, their records
	// hold no job (a purge takes them).
	Skipped int
}

// Retry puts failed job id back in the stream for a fresh budget of
// MaxAttempts attempts, noting operator on its record, and returns its
// Status (waiting). The record keeps its attempts, which go on counting,
// and its last error until the next outcome. A job in another state is a
// *StateError (ErrConflict), so a repeated retry moves nothing twice; an
// unknown one ErrNotFound.
func (q *Queue) Retry(ctx context.Context, id, operator string) (crawler.Status, error) {
	if err := q.failedOne(ctx, "retry", id, operator); err != nil {
		return crawler.Status{}, err
	}
	return q.Status(ctx, id)
}

// Delete deletes one failed, completed or canceled job: its record, and
// its place in the failed set and its indexes. A job still to run is a
// *StateError (ErrConflict): cancel it first.
func (q *Queue) Delete(ctx context.Context, id string) error {
	res, err := q.scripts.remove.Run(ctx, q.rdb, []string{q.keys.stream}, q.keys.base, group, id).StringSlice()
	if err != nil {
		return fmt.Errorf("queue: delete %s: %w", id, keyspace.Classify(err))
	}
	return outcome("delete", id, res)
}

// Cancel cancels a job no worker has taken: waiting (not yet delivered)
// or delayed. Its record says canceled, notes operator, and expires after
// RecordTTL. An active job, or one already finished, is a *StateError
// (ErrConflict).
func (q *Queue) Cancel(ctx context.Context, id, operator string) (crawler.Status, error) {
	op, err := operatorJSON(operator, "cancel")
	if err != nil {
		return crawler.Status{}, fmt.Errorf("queue: cancel %s: %w", id, err)
	}
	res, err := q.scripts.cancel.Run(ctx, q.rdb, []string{q.keys.stream, q.keys.delayed},
		q.keys.base, group, id, op, ms(q.cfg.RecordTTL)).StringSlice()
	if err != nil {
		return crawler.Status{}, fmt.Errorf("queue: cancel %s: %w", id, keyspace.Classify(err))
	}
	if err := outcome("cancel", id, res); err != nil {
		return crawler.Status{}, err
	}
	return q.Status(ctx, id)
}

// RetryFailed retries, as Retry does each, the oldest failed jobs that f
// matches, in script calls that each move at most 500 jobs and look at
// most at 2,100. One call goes on where the last stopped, until f.Limit
// jobs moved or every job of the index read was looked at once (with both
// filters, the smaller index is read). Failed jobs parked by an older
// version, without their job in the record, are left in place and counted
// in Skipped.
func (q *Queue) RetryFailed(ctx context.Context, f FailedFilter, operator string) (Taken, error) {
	return q.failedBulk(ctx, "retry", f, operator)
}

// PurgeFailed deletes the oldest failed jobs that f matches, records and
// all, in script calls as RetryFailed's.
func (q *Queue) PurgeFailed(ctx context.Context, f FailedFilter) (Taken, error) {
	return q.failedBulk(ctx, "purge", f, "")
}

func (q *Queue) failedOne(ctx context.Context, op, id, operator string) error {
	opJSON, err := operatorJSON(operator, op)
	if err != nil {
		return fmt.Errorf("queue: %s %s: %w", op, id, err)
	}
	res, err := q.scripts.failedOps.Run(ctx, q.rdb, []string{q.keys.stream},
		q.keys.base, group, op, opJSON, id, "", "", 0, "", 0).StringSlice()
	if err != nil {
		return fmt.Errorf("queue: %s %s: %w", op, id, keyspace.Classify(err))
	}
	return outcome(op, id, res)
}

func (q *Queue) failedBulk(ctx context.Context, op string, f FailedFilter, operator string) (Taken, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxFailedAction {
		limit = MaxFailedAction
	}
	opJSON, err := operatorJSON(operator, op) // a bulk retry is a retry of each job
	if err != nil {
		return Taken{}, fmt.Errorf("queue: %s failed jobs: %w", op, err)
	}
	// One pass from the oldest: each call goes on from the cursor where the
	// last stopped, so jobs left in place are looked at once. The pass ends
	// at limit jobs taken, at the index's end, at the highest score the
	// index held when it began (a job retried and failed again meanwhile is
	// parked past it: it is not taken twice), or once it has looked at as
	// many jobs as the index held at the start plus limit.
	var t Taken
	cursor, ceiling, looked, bound := "", "", 0, -1
	for t.Jobs < limit && (bound < 0 || looked < bound) {
		most := min(failedBatch, limit-t.Jobs)
		r, err := q.failedCall(ctx, op, opJSON, f, most, cursor, ceiling, failedLook)
		if err != nil {
			// What earlier calls took stays taken: report it with the error.
			return t, fmt.Errorf("queue: %s failed jobs after %d: %w", op, t.Jobs, err)
		}
		t.Jobs += r.taken
		t.Skipped += r.skipped
		looked += r.looked
		if bound < 0 {
			bound, ceiling = r.size+limit, r.ceiling
		}
		if cursor = r.next; cursor == "" {
			break
		}
	}
	remaining, err := q.countFailed(ctx, f)
	if err != nil {
		return t, fmt.Errorf("queue: %s failed jobs after %d: %w", op, t.Jobs, err)
	}
	t.Remaining = remaining
	return t, nil
}

// failedLook bounds the jobs one script call of a bulk action looks at:
// those left in place cost a look each, and the next call goes on.
const failedLook = 4*failedBatch + 100

// countBatch bounds the jobs one counting call looks at.
const countBatch = 5000

// countFailed counts the failed jobs f matches: the size of its index, or
// with both filters, the jobs of the smaller index that match the other,
// counted countBatch at a time (the embedded Redis has no ZINTERCARD).
func (q *Queue) countFailed(ctx context.Context, f FailedFilter) (int64, error) {
	var n int64
	cursor, looked, bound := "", 0, -1
	for bound < 0 || looked < bound {
		r, err := q.failedCall(ctx, "count", "", f, 0, cursor, "", countBatch)
		if err != nil {
			return n, fmt.Errorf("count: %w", err)
		}
		n += int64(r.matched)
		looked += r.looked
		if bound < 0 {
			bound = r.size + countBatch
		}
		if cursor = r.next; cursor == "" {
			break
		}
	}
	return n, nil
}

// bulkReply is one call of the failed-jobs script on the matching jobs.
type bulkReply struct {
	taken, skipped, looked, size, matched int
	next, ceiling                         string
}

func (q *Queue) failedCall(ctx context.Context, op, opJSON string, f FailedFilter, most int, cursor, ceiling string, look int) (bulkReply, error) {
	res, err := q.scripts.failedOps.Run(ctx, q.rdb, []string{q.keys.stream},
		q.keys.base, group, op, opJSON, "", string(f.ErrorType), f.Schedule, most, cursor, look, ceiling).Slice()
	if err != nil {
		return bulkReply{}, keyspace.Classify(err)
	}
	if len(res) != 7 {
		return bulkReply{}, fmt.Errorf("unexpected reply %v", res)
	}
	num := func(v any) int { n, _ := v.(int64); return int(n) }
	next, _ := res[2].(string)
	ceil, _ := res[6].(string)
	return bulkReply{taken: num(res[0]), skipped: num(res[1]), next: next, looked: num(res[3]),
		size: num(res[4]), matched: num(res[5]), ceiling: ceil}, nil
}

// operatorJSON is the note an operator action leaves on a job's record.
func operatorJSON(name, action string) (string, error) {
	b, err := json.Marshal(crawler.Operator{Name: name, Action: action, At: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return "", fmt.Errorf("encode operator: %w", err)
	}
	return string(b), nil
}

// outcome turns a single-job script's reply into the domain's errors.
func outcome(op, id string, res []string) error {
	if len(res) == 0 {
		return fmt.Errorf("queue: %s %s: empty reply", op, id)
	}
	switch res[0] {
	case "ok":
		return nil
	case "missing":
		return fmt.Errorf("queue: %s %s: %w", op, id, ErrNotFound)
	case "nospec":
		return fmt.Errorf("queue: %s %s: %w", op, id, ErrNotRetryable)
	case "state":
		if len(res) == 2 {
			return &StateError{ID: id, Op: op, State: crawler.State(res[1])}
		}
	}
	return fmt.Errorf("queue: %s %s: unexpected reply %v", op, id, res)
}

// MinuteCounts is one minute's finished jobs.
type MinuteCounts struct {
	Start     time.Time `json:"start"`
	Completed int64     `json:"completed"`
	Failed    int64     `json:"failed"`
}

// MaxThroughputMinutes bounds Throughput; its counters live two hours.
const MaxThroughputMinutes = 60

// throughputTTL is how long a minute's counters live.
const throughputTTL = 2 * time.Hour

// Throughput returns the jobs completed and parked as failed in each of
// the last minutes minutes (1 to MaxThroughputMinutes), oldest first, the
// current minute last: one round trip. Minutes are the Redis server's for
// the scripts' counts and the completing process's for the others.
func (q *Queue) Throughput(ctx context.Context, minutes int) ([]MinuteCounts, error) {
	minutes = min(max(minutes, 1), MaxThroughputMinutes)
	now := time.Now().Unix() / 60
	out := make([]MinuteCounts, minutes)
	cmds := make([]*redis.SliceCmd, minutes)
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range out {
			m := now - int64(minutes-1-i)
			out[i].Start = time.Unix(m*60, 0).UTC()
			cmds[i] = p.HMGet(ctx, q.keys.space.Throughput(m), "completed", "failed")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("queue: throughput: %w", keyspace.Classify(err))
	}
	for i, c := range cmds {
		v := c.Val()
		if len(v) == 2 {
			out[i].Completed = atoi(v[0])
			out[i].Failed = atoi(v[1])
		}
	}
	return out, nil
}

// atoi reads a counter; a missing field is 0.
func atoi(v any) int64 {
	s, _ := v.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
