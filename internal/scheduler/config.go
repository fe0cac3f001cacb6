package scheduler

import (
	"context"
	"time"

	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// Config tunes a Scheduler. Every zero field means the default named on it.
type Config struct {
	// DefaultCron is the cron of schedules that give none (SCHEDULER_CRON).
	// Zero means "*/10 * * * *".
	DefaultCron string

	// Tick is how often the schedules are read and fires checked; a fire
	// runs at most one Tick after its time. Zero means 1s.
	Tick time.Duration

	// CatchUpWindow is how late a fire may be and still run; see the
	// package comment. Zero means 1h; it is raised to at least 3 Ticks so
	// ordinary scheduling jitter never drops a fire. Keep it below the
	// queue's IdempotencyWindow.
	CatchUpWindow time.Duration

	// Now is the clock. Zero means time.Now; tests move a fake one.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.DefaultCron == "" {
		c.DefaultCron = "*/10 * * * *"
	}
	if c.Tick <= 0 {
		c.Tick = time.Second
	}
	if c.CatchUpWindow <= 0 {
		c.CatchUpWindow = time.Hour
	}
	c.CatchUpWindow = max(c.CatchUpWindow, 3*c.Tick)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Store lists the schedules and keeps their fire markers;
// *schedule.Store satisfies it.
type Store interface {
	List(ctx context.Context) ([]schedule.Schedule, error)
	Fired(ctx context.Context, name string, at time.Time) (bool, error)
	MarkFired(ctx context.Context, name string, at time.Time, jobID string, ttl time.Duration) (bool, error)
}

// Enqueuer adds jobs; *queue.Queue satisfies it.
type Enqueuer interface {
	Enqueue(ctx context.Context, reqs []queue.EnqueueRequest) ([]string, error)
}

// markerMargin is how much longer than the catch-up window a fire marker
// lives, covering clock skew between replicas with room to spare.
const markerMargin = 24 * time.Hour
