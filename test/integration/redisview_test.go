package integration

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// The queue's layout in Redis (keyspace.Keys names the keys; the fields
// are internal/queue's enqueue.lua), read here directly on purpose: after
// a SIGKILL no process can be asked which jobs the dead worker held, and
// the test wants the truth from the store rather than the service's own
// account of it.
const (
	groupName  = "workers"
	jobIDField = "i"
)

// keys are the keys of the default REDIS_PREFIX.
var (
	keys      = keyspace.Keys(keyspace.DefaultPrefix)
	streamKey = keys.Stream()
)

// heldBy returns the ids of the jobs delivered to the worker process pid
// and not yet settled. Worker ids have the form host-pid-random.
func heldBy(ctx context.Context, rdb *redis.Client, pid int) ([]string, error) {
	consumers, err := rdb.XInfoConsumers(ctx, streamKey, groupName).Result()
	if err != nil {
		return nil, fmt.Errorf("xinfo consumers: %w", err)
	}
	mark := "-" + strconv.Itoa(pid) + "-"
	var ids []string
	for _, c := range consumers {
		if !strings.Contains(c.Name, mark) {
			continue
		}
		pending, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: streamKey, Group: groupName, Consumer: c.Name, Start: "-", End: "+", Count: 100_000,
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("xpending %s: %w", c.Name, err)
		}
		for _, p := range pending {
			msgs, err := rdb.XRange(ctx, streamKey, p.ID, p.ID).Result()
			if err != nil {
				return nil, fmt.Errorf("xrange %s: %w", p.ID, err)
			}
			for _, m := range msgs {
				if id, ok := m.Values[jobIDField].(string); ok {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids, nil
}

// fireCount counts the scheduler's fire markers of one schedule: one per
// fire that some replica ran.
func fireCount(ctx context.Context, rdb *redis.Client, name string) (int, error) {
	keys, err := rdb.Keys(ctx, strings.TrimSuffix(keys.Fire(name, 0), "0")+"*").Result()
	if err != nil {
		return 0, fmt.Errorf("keys: %w", err)
	}
	return len(keys), nil
}
