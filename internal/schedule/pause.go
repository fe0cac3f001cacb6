package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/keyspace"
)

// casAttempts bounds SetPaused's retries. Only another SetPaused or a
// Delete and Put of the same name change a schedule's entry, so losing
// the race this often means something is hammering that one schedule.
const casAttempts = 16

// casScript replaces one schedule's JSON only if it is still what the
// caller read: 1 replaced, 0 changed meanwhile, -1 gone. Encoding stays in
// Go (cjson would rewrite the JSON), and comparing the one field, not
// WATCHing the hash, keeps Puts of other names from forcing retries.
var casScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`)

// SetPaused pauses or resumes the schedule name and returns it as stored,
// with changed false when it was already so (nothing is written then). A
// resume records at as the schedule's Resumed time, so the fires missed
// while it was paused never run. It returns ErrNotFound for an unknown
// name.
func (st *Store) SetPaused(ctx context.Context, name string, paused bool, at time.Time) (Schedule, bool, error) {
	op := "resume"
	if paused {
		op = "pause"
	}
	for range casAttempts {
		raw, err := st.rdb.HGet(ctx, st.key, name).Result()
		if errors.Is(err, redis.Nil) {
			return Schedule{}, false, fmt.Errorf("schedule: %s %q: %w", op, name, ErrNotFound)
		}
		if err != nil {
			return Schedule{}, false, fmt.Errorf("schedule: %s %q: %w", op, name, keyspace.Classify(err))
		}
		s, err := decode(raw)
		if err != nil {
			return Schedule{}, false, fmt.Errorf("schedule: %s %q: %w", op, name, err)
		}
		if s.Paused == paused {
			return s, false, nil
		}
		s.Paused = paused
		if !paused {
			s.Resumed = at.UTC().Truncate(time.Millisecond)
		}
		b, err := encode(s)
		if err != nil {
			return Schedule{}, false, fmt.Errorf("schedule: %s %q: encode: %w", op, name, err)
		}
		res, err := casScript.Run(ctx, st.rdb, []string{st.key}, name, raw, b).Int()
		if err != nil {
			return Schedule{}, false, fmt.Errorf("schedule: %s %q: %w", op, name, keyspace.Classify(err))
		}
		switch res {
		case 1:
			return s, true, nil
		case -1:
			return Schedule{}, false, fmt.Errorf("schedule: %s %q: %w", op, name, ErrNotFound)
		}
		// Changed since the read: read it again.
	}
	return Schedule{}, false, fmt.Errorf("schedule: %s %q: changed concurrently %d times in a row; retry", op, name, casAttempts)
}
