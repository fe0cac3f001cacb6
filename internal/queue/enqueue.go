package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/jobtrace"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// enqueueChunk bounds the work of one script call, so a 10,000-job batch
// never holds Redis for more than a few milliseconds at a time.
const enqueueChunk = 500

// conflictReply starts the enqueue script's error for a reused key.
const conflictReply = "IDEMPOTENCY_CONFLICT"

// EnqueueRequest is one job to add. IdempotencyKey, when set, makes a
// repeat of the same job within the IdempotencyWindow return the first
// job's id instead of adding a job; the key with a different job is an
// IdempotencyConflictError.
type EnqueueRequest struct {
	Job            crawler.Job
	IdempotencyKey string
}

// Enqueue adds jobs and returns their ids in input order. It sets each
// job's ID and, when zero, its Created time. All chunks travel in one
// pipeline; each chunk is atomic, the batch as a whole is not, except that
// a batch with a conflicting idempotency key adds nothing (unless another
// caller takes the key while it is under way). A job without a trace
// context gets the context of the batch's producer span: a job enqueued
// alone for its attempts to continue, the jobs of a batch for theirs to
// link to (jobtrace.StartAttempt).
func (q *Queue) Enqueue(ctx context.Context, reqs []EnqueueRequest) (_ []string, err error) {
	ctx, span := jobtrace.StartEnqueue(ctx, len(reqs))
	defer func() { jobtrace.End(span, err) }()
	carrier := jobtrace.Inject(ctx)
	if len(reqs) > MaxBatch {
		return nil, fmt.Errorf("queue: enqueue %d jobs (max %d): %w", len(reqs), MaxBatch, ErrBatchTooLarge)
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	fps, err := fingerprints(reqs)
	if err != nil {
		return nil, fmt.Errorf("queue: enqueue %d jobs: %w", len(reqs), err)
	}
	// One script call checks its own keys before writing; a batch of
	// several is checked whole first, so that a conflict in a late chunk
	// does not leave the earlier ones added.
	if len(reqs) > enqueueChunk {
		if err := q.checkKeys(ctx, reqs, fps); err != nil {
			return nil, fmt.Errorf("queue: enqueue %d jobs: %w", len(reqs), keyspace.Classify(err))
		}
	}
	now := time.Now()
	chunks := make([][]any, 0, (len(reqs)+enqueueChunk-1)/enqueueChunk)
	for start := 0; start < len(reqs); start += enqueueChunk {
		end := min(start+enqueueChunk, len(reqs))
		args := make([]any, 0, 2+4*(end-start))
		args = append(args, q.keys.base, ms(q.cfg.IdempotencyWindow))
		for i, r := range reqs[start:end] {
			job := r.Job
			job.ID = q.ids.next(now)
			if job.Created.IsZero() {
				job.Created = now
			}
			if job.Trace == nil && carrier != nil {
				job.Trace, job.TraceLink = carrier, len(reqs) > 1
			}
			b, err := json.Marshal(job)
			if err != nil {
				return nil, fmt.Errorf("queue: enqueue: encode job: %w", err)
			}
			args = append(args, job.ID, r.IdempotencyKey, fps[start+i], b)
		}
		chunks = append(chunks, args)
	}

	cmds, err := q.runChunks(ctx, chunks)
	if err != nil {
		for c, cmd := range cmds {
			if n, ok := conflictAt(cmd); ok && c*enqueueChunk+n <= len(reqs) {
				i := c*enqueueChunk + n - 1
				err = &IdempotencyConflictError{Key: reqs[i].IdempotencyKey, Index: i}
				break
			}
		}
		return nil, fmt.Errorf("queue: enqueue %d jobs: %w", len(reqs), keyspace.Classify(err))
	}
	ids := make([]string, 0, len(reqs))
	for _, c := range cmds {
		got, err := c.StringSlice()
		if err != nil {
			return nil, fmt.Errorf("queue: enqueue %d jobs: %w", len(reqs), keyspace.Classify(err))
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

// fingerprints returns what tells two jobs under one idempotency key apart
// ("" for a job without a key): a SHA-256 of the job as it will be
// crawled, without its id and creation time. A key repeated within reqs
// with a different job is a conflict.
func fingerprints(reqs []EnqueueRequest) ([]string, error) {
	fps := make([]string, len(reqs))
	seen := map[string]string{}
	for i, r := range reqs {
		if r.IdempotencyKey == "" {
			continue
		}
		job := r.Job
		// Only what the job does: a repeat may come from another trace.
		job.ID, job.Created, job.Trace, job.TraceLink = "", time.Time{}, nil, false
		b, err := json.Marshal(job)
		if err != nil {
			return nil, fmt.Errorf("encode job: %w", err)
		}
		sum := sha256.Sum256(b)
		fps[i] = hex.EncodeToString(sum[:])
		if fp, ok := seen[r.IdempotencyKey]; ok && fp != fps[i] {
			return nil, &IdempotencyConflictError{Key: r.IdempotencyKey, Index: i}
		}
		seen[r.IdempotencyKey] = fps[i]
	}
	return fps, nil
}

// checkKeys reports the first key of reqs that Redis holds for a different
// job. It only reads, so a race with another caller is caught by the
// script, one chunk at a time.
func (q *Queue) checkKeys(ctx context.Context, reqs []EnqueueRequest, fps []string) error {
	var keyed []int // places in reqs of the requests with a key
	var keys []string
	for i, r := range reqs {
		if r.IdempotencyKey != "" {
			keyed = append(keyed, i)
			keys = append(keys, q.keys.idem(r.IdempotencyKey)) // as enqueue.lua names it
		}
	}
	if len(keys) == 0 {
		return nil
	}
	cmds := make([]*redis.SliceCmd, 0, (len(keys)+enqueueChunk-1)/enqueueChunk)
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for start := 0; start < len(keys); start += enqueueChunk {
			cmds = append(cmds, p.MGet(ctx, keys[start:min(start+enqueueChunk, len(keys))]...))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check idempotency keys: %w", err)
	}
	for c, cmd := range cmds {
		for j, v := range cmd.Val() {
			s, _ := v.(string)
			// A bare id, stored before fingerprints, matches any job.
			i := keyed[c*enqueueChunk+j]
			if _, fp, ok := strings.Cut(s, " "); ok && fp != fps[i] {
				return &IdempotencyConflictError{Key: reqs[i].IdempotencyKey, Index: i}
			}
		}
	}
	return nil
}

// conflictAt returns the 1-based place in its chunk of the job whose key
// the script found taken by a different job.
func conflictAt(cmd *redis.Cmd) (int, bool) {
	var rerr redis.Error
	if cmd == nil || !errors.As(cmd.Err(), &rerr) {
		return 0, false
	}
	rest, ok := strings.CutPrefix(rerr.Error(), conflictReply+" ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 1
}

// runChunks sends every chunk through the enqueue script in one pipeline
// and returns every chunk's command, failed ones too. When the server has
// not cached the script (first use, or after a restart), EVALSHA adds
// nothing, so loading it and resending the chunks that failed is safe.
func (q *Queue) runChunks(ctx context.Context, chunks [][]any) ([]*redis.Cmd, error) {
	s := q.scripts.enqueue
	keys := []string{q.keys.stream}
	cmds := make([]*redis.Cmd, len(chunks))
	send := func(which []int) error {
		_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range which {
				cmds[i] = s.EvalSha(ctx, p, keys, chunks[i]...)
			}
			return nil
		})
		return err
	}
	all := make([]int, len(chunks))
	for i := range all {
		all[i] = i
	}
	err := send(all)
	if err == nil {
		return cmds, nil
	}
	var retry []int
	for i, c := range cmds {
		if c.Err() != nil {
			if !redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				return cmds, c.Err()
			}
			retry = append(retry, i)
		}
	}
	if len(retry) == 0 {
		return cmds, err
	}
	if err := s.Load(ctx, q.rdb).Err(); err != nil {
		return cmds, fmt.Errorf("load script: %w", err)
	}
	if err := send(retry); err != nil {
		return cmds, err
	}
	return cmds, nil
}
