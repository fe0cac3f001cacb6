package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// Store keeps schedules in one Redis hash, name → JSON, together with
// what belongs to each: its recent results (which the queue appends as the
// schedule's jobs end) and its fire markers (which the scheduler sets). A
// hash makes create-if-absent one atomic HSETNX and the scheduler's
// per-tick read one HGETALL. Redis outages come back as
// crawler.ErrUnavailable.
type Store struct {
	rdb  redis.UniversalClient
	keys keyspace.Keys
	key  string
}

// NewStore returns a Store on the keys of keys. It does no I/O.
func NewStore(rdb redis.UniversalClient, keys keyspace.Keys) *Store {
	return &Store{rdb: rdb, keys: keys, key: keys.Schedules()}
}

// Put creates s, or returns ErrExists if its name is taken. A zero Created
// becomes now. It returns the schedule as stored. Put never replaces, so
// it cannot undo a pause: a schedule created again after Delete starts as
// s says (unpaused unless s.Paused).
func (st *Store) Put(ctx context.Context, s Schedule) (Schedule, error) {
	if err := s.Validate(); err != nil {
		return Schedule{}, fmt.Errorf("schedule: put %q: %w", s.Name, err)
	}
	if s.Created.IsZero() {
		s.Created = time.Now()
	}
	s.Created = s.Created.UTC().Truncate(time.Millisecond)
	b, err := encode(s)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule: put %q: encode: %w", s.Name, err)
	}
	created, err := st.rdb.HSetNX(ctx, st.key, s.Name, b).Result()
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule: put %q: %w", s.Name, keyspace.Classify(err))
	}
	if !created {
		return Schedule{}, fmt.Errorf("schedule: put %q: %w", s.Name, ErrExists)
	}
	return s, nil
}

// Get returns one schedule or ErrNotFound.
func (st *Store) Get(ctx context.Context, name string) (Schedule, error) {
	raw, err := st.rdb.HGet(ctx, st.key, name).Result()
	if errors.Is(err, redis.Nil) {
		return Schedule{}, fmt.Errorf("schedule: get %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule: get %q: %w", name, keyspace.Classify(err))
	}
	s, err := decode(raw)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule: get %q: %w", name, err)
	}
	return s, nil
}

// List returns every schedule, sorted by name.
func (st *Store) List(ctx context.Context) ([]Schedule, error) {
	all, err := st.rdb.HGetAll(ctx, st.key).Result()
	if err != nil {
		return nil, fmt.Errorf("schedule: list: %w", keyspace.Classify(err))
	}
	out := make([]Schedule, 0, len(all))
	for name, raw := range all {
		s, err := decode(raw)
		if err != nil {
			return nil, fmt.Errorf("schedule: list %q: %w", name, err)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Schedule) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Delete removes one schedule and its results in one MULTI, or returns
// ErrNotFound. A job of it still running may add a result afterwards;
// every push renews the list's expiry, so such a straggler expires with
// it. Fire markers expire by themselves.
func (st *Store) Delete(ctx context.Context, name string) error {
	var hdel *redis.IntCmd
	_, err := st.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		hdel = p.HDel(ctx, st.key, name)
		p.Del(ctx, st.keys.ScheduleResults(name))
		return nil
	})
	if err != nil {
		return fmt.Errorf("schedule: delete %q: %w", name, keyspace.Classify(err))
	}
	if n := hdel.Val(); n == 0 {
		return fmt.Errorf("schedule: delete %q: %w", name, ErrNotFound)
	}
	return nil
}

// stored is a schedule as the hash holds it: its JSON plus what the API
// does not show.
type stored struct {
	Schedule
	ResumedMS int64 `json:"resumed_ms,omitempty"`
}

func encode(s Schedule) ([]byte, error) {
	st := stored{Schedule: s}
	if !s.Resumed.IsZero() {
		st.ResumedMS = s.Resumed.UnixMilli()
	}
	return json.Marshal(st)
}

func decode(raw string) (Schedule, error) {
	var st stored
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return Schedule{}, fmt.Errorf("decode: %w", err)
	}
	s := st.Schedule
	if st.ResumedMS != 0 {
		s.Resumed = time.UnixMilli(st.ResumedMS).UTC()
	}
	return s, nil
}
