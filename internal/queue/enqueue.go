package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
)

// enqueueChunk bounds the work of one script call, so a 10,000-job batch
// never holds Redis for more than a few milliseconds at a time.
const enqueueChunk = 500

// EnqueueRequest is one job to add. IdempotencyKey, when set, makes a
// repeat within the IdempotencyWindow return the first job's id instead of
// adding a job.
type EnqueueRequest struct {
	Job            crawler.Job
	IdempotencyKey string
}

// Enqueue adds jobs and returns their ids in input order. It sets each
// job's ID and, when zero, its Created time. All chunks travel in one
// pipeline; each chunk is atomic, the batch as a whole is not.
func (q *Queue) Enqueue(ctx context.Context, reqs []EnqueueRequest) ([]string, error) {
	if len(reqs) > MaxBatch {
		return nil, fmt.Errorf("queue: enqueue %d jobs (max %d): %w", len(reqs), MaxBatch, ErrBatchTooLarge)
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	now := time.Now()
	chunks := make([][]any, 0, (len(reqs)+enqueueChunk-1)/enqueueChunk)
	for start := 0; start < len(reqs); start += enqueueChunk {
		end := min(start+enqueueChunk, len(reqs))
		args := make([]any, 0, 2+3*(end-start))
		args = append(args, q.keys.base, ms(q.cfg.IdempotencyWindow))
		for _, r := range reqs[start:end] {
			job := r.Job
			job.ID = q.ids.next(now)
			if job.Created.IsZero() {
				job.Created = now
			}
			b, err := json.Marshal(job)
			if err != nil {
				return nil, fmt.Errorf("queue: enqueue: encode job: %w", err)
			}
			args = append(args, job.ID, r.IdempotencyKey, b)
		}
		chunks = append(chunks, args)
	}

	cmds, err := q.runChunks(ctx, chunks)
	if err != nil {
		return nil, fmt.Errorf("queue: enqueue %d jobs: %w", len(reqs), err)
	}
	ids := make([]string, 0, len(reqs))
	for _, c := range cmds {
		got, err := c.StringSlice()
		if err != nil {
			return nil, fmt.Errorf("queue: enqueue %d jobs: %w", len(reqs), err)
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

// runChunks sends every chunk through the enqueue script in one pipeline.
// When the server has not cached the script (first use, or after a
// restart), EVALSHA adds nothing, so loading it and resending the chunks
// that failed is safe.
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
				return nil, c.Err()
			}
			retry = append(retry, i)
		}
	}
	if len(retry) == 0 {
		return nil, err
	}
	if err := s.Load(ctx, q.rdb).Err(); err != nil {
		return nil, fmt.Errorf("load script: %w", err)
	}
	if err := send(retry); err != nil {
		return nil, err
	}
	return cmds, nil
}
