package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// Heartbeat marks workerID alive for ttl. Workers live in a ZSET scored by
// the server-clock time their liveness ends, so Counts finds the live ones
// with one ZCOUNT and workers with different periods mix freely.
func (q *Queue) Heartbeat(ctx context.Context, workerID string, ttl time.Duration) error {
	if err := q.scripts.heartbeat.Run(ctx, q.rdb, []string{q.keys.workers}, workerID, max(ms(ttl), 1)).Err(); err != nil {
		return fmt.Errorf("queue: heartbeat %s: %w", workerID, keyspace.Classify(err))
	}
	return nil
}

// RemoveWorker forgets workerID at once, at clean shutdown.
func (q *Queue) RemoveWorker(ctx context.Context, workerID string) error {
	if err := q.rdb.ZRem(ctx, q.keys.workers, workerID).Err(); err != nil {
		return fmt.Errorf("queue: remove worker %s: %w", workerID, keyspace.Classify(err))
	}
	return nil
}
