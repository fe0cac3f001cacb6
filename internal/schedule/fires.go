package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// Fired reports whether a marker says the fire of name at at was enqueued.
func (st *Store) Fired(ctx context.Context, name string, at time.Time) (bool, error) {
	n, err := st.rdb.Exists(ctx, st.keys.Fire(name, at.Unix())).Result()
	if err != nil {
		return false, fmt.Errorf("schedule: fire %q at %d: check marker: %w", name, at.Unix(), keyspace.Classify(err))
	}
	return n > 0, nil
}

// MarkFired sets the marker of the fire of name at at to jobID for ttl,
// unless one is set; it reports whether this call set it.
func (st *Store) MarkFired(ctx context.Context, name string, at time.Time, jobID string, ttl time.Duration) (bool, error) {
	won, err := st.rdb.SetNX(ctx, st.keys.Fire(name, at.Unix()), jobID, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("schedule: fire %q at %d: set marker: %w", name, at.Unix(), keyspace.Classify(err))
	}
	return won, nil
}
