package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// MinEvery is the shortest "@every" interval: standard cron fires at most
// once a minute, and a descriptor should not get around that.
const MinEvery = time.Minute

// maxCronLength bounds the expression a client may store.
const maxCronLength = 256

// Cron is a parsed cron expression.
type Cron struct {
	sched cron.Schedule
}

// ParseCron parses a standard five-field expression ("*/10 * * * *"), a
// descriptor (@hourly, @daily, @every 30m) or either behind a CRON_TZ=Zone
// prefix. Expressions without a zone are read in UTC, so every replica
// computes the same fire times whatever its local zone. An expression that
// can never fire (30 February) is refused.
func ParseCron(spec string) (Cron, error) {
	if strings.TrimSpace(spec) == "" {
		return Cron{}, fmt.Errorf("empty expression")
	}
	if len(spec) > maxCronLength {
		return Cron{}, fmt.Errorf("longer than %d bytes", maxCronLength)
	}
	s, err := parseStandard(spec)
	if err != nil {
		return Cron{}, err
	}
	if every, ok := s.(cron.ConstantDelaySchedule); ok && every.Delay < MinEvery {
		return Cron{}, fmt.Errorf("@every must be at least %s", MinEvery)
	}
	c := Cron{sched: s}
	if c.Next(time.Now()).IsZero() {
		return Cron{}, fmt.Errorf("never fires")
	}
	return c, nil
}

// parseStandard shields callers from robfig/cron panicking on some
// malformed input (a "TZ=" prefix with nothing after it).
func parseStandard(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("malformed expression")
		}
	}()
	return cron.ParseStandard(spec)
}

// Next returns the first fire time strictly after t, or the zero time if
// there is none. "@every d" fires on multiples of d since the Unix epoch
// rather than d after an arbitrary start, so replicas that started at
// different moments agree on its fire times.
func (c Cron) Next(t time.Time) time.Time {
	if c.sched == nil {
		return time.Time{}
	}
	t = t.UTC()
	if every, ok := c.sched.(cron.ConstantDelaySchedule); ok {
		d := every.Delay
		return time.Unix(0, 0).UTC().Add((t.Sub(time.Unix(0, 0)) / d * d) + d)
	}
	return c.sched.Next(t)
}
