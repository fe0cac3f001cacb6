package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// MaxWorkersListed bounds Workers' answer.
const MaxWorkersListed = 1000

// maxInfoText bounds each free-text field of a worker's info, so one
// entry stays a few hundred bytes whatever a host name or version holds.
const maxInfoText = 128

// Heartbeat marks info.ID alive for ttl and stores info for Workers.
// Workers live in a ZSET scored by the server-clock time their liveness
// ends, so Counts finds the live ones with one ZCOUNT and workers with
// different periods mix freely; each one's info is a bounded hash entry
// that leaves with it.
func (q *Queue) Heartbeat(ctx context.Context, info crawler.WorkerInfo, ttl time.Duration) error {
	info = boundInfo(info)
	info.LastSeenAt = time.Now().UTC()
	raw, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("queue: heartbeat %s: %w", info.ID, err)
	}
	if err := q.scripts.heartbeat.Run(ctx, q.rdb, []string{q.keys.workers, q.keys.workerInfo}, info.ID, max(ms(ttl), 1), raw).Err(); err != nil {
		return fmt.Errorf("queue: heartbeat %s: %w", info.ID, keyspace.Classify(err))
	}
	return nil
}

func boundInfo(in crawler.WorkerInfo) crawler.WorkerInfo {
	cut := func(s string) string {
		if len(s) > maxInfoText {
			return s[:maxInfoText]
		}
		return s
	}
	in.Process, in.Host, in.Version = cut(in.Process), cut(in.Host), cut(in.Version)
	var ms []crawler.Method
	for _, m := range crawler.FetchMethods { // a known, ordered, duplicate-free set
		if slices.Contains(in.Methods, m) {
			ms = append(ms, m)
		}
	}
	in.Methods = ms
	return in
}

// Workers returns the live workers, at most MaxWorkersListed, by id. A
// live worker whose info is missing (stored by an older version) has its
// id alone.
func (q *Queue) Workers(ctx context.Context) ([]crawler.WorkerInfo, error) {
	res, err := q.scripts.workers.Run(ctx, q.rdb, []string{q.keys.workers, q.keys.workerInfo}, MaxWorkersListed).Slice()
	if err != nil {
		return nil, fmt.Errorf("queue: workers: %w", keyspace.Classify(err))
	}
	if len(res) != 2 {
		return nil, fmt.Errorf("queue: workers: unexpected reply %v", res)
	}
	ids, _ := res[0].([]any)
	infos, _ := res[1].([]any)
	out := make([]crawler.WorkerInfo, 0, len(ids))
	for i, v := range ids {
		id, _ := v.(string)
		w := crawler.WorkerInfo{ID: id}
		if i < len(infos) {
			if raw, ok := infos[i].(string); ok && json.Unmarshal([]byte(raw), &w) != nil {
				w = crawler.WorkerInfo{ID: id}
			}
		}
		w.ID = id
		if w.Methods == nil {
			w.Methods = []crawler.Method{}
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b crawler.WorkerInfo) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out, nil
}

// RemoveWorker forgets workerID at once, at clean shutdown.
func (q *Queue) RemoveWorker(ctx context.Context, workerID string) error {
	_, err := q.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, q.keys.workers, workerID)
		p.HDel(ctx, q.keys.workerInfo, workerID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue: remove worker %s: %w", workerID, keyspace.Classify(err))
	}
	return nil
}
