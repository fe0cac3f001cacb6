package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/crawler-service/crawler/internal/jobtrace"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// Scheduler enqueues the jobs of due schedule fires. Run it once per
// process; any number of processes may run side by side.
type Scheduler struct {
	cfg         Config
	store       Store
	enq         Enqueuer
	log         *slog.Logger
	defaultCron schedule.Cron

	// Owned by the Run goroutine.
	seen    map[string]*tracked
	failing bool
}

// tracked is what this replica remembers of one schedule between ticks.
type tracked struct {
	created time.Time
	spec    string
	cron    schedule.Cron
	bad     bool      // the spec does not parse; reported once
	done    time.Time // fires at or before this are handled
	paused  bool      // as last seen, to log the changes only
}

// New returns a Scheduler. The store holds the schedules and their fire
// markers; log nil means slog.Default(). It fails only on an invalid
// DefaultCron.
func New(cfg Config, store Store, enq Enqueuer, log *slog.Logger) (*Scheduler, error) {
	cfg = cfg.withDefaults()
	c, err := schedule.ParseCron(cfg.DefaultCron)
	if err != nil {
		return nil, fmt.Errorf("scheduler: default cron %q: %w", cfg.DefaultCron, err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{
		cfg: cfg, store: store, enq: enq, log: log, defaultCron: c,
		seen: map[string]*tracked{},
	}, nil
}

// Run checks the schedules at once and then every Tick until ctx ends,
// when it returns nil. Redis outages are logged and retried on the next
// tick; they never end Run.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		err := s.tick(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !s.failing:
			s.failing = true
			s.log.Warn("scheduler: tick failed; retrying every tick", "err", err)
		case err == nil && s.failing:
			s.failing = false
			s.log.Info("scheduler: ticks succeed again")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// tick handles every schedule once. A failure of one schedule does not
// hold up the others; the first error is returned for the outage log.
func (s *Scheduler) tick(ctx context.Context) error {
	now := s.cfg.Now().UTC()
	list, err := s.store.List(ctx)
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	live := make(map[string]bool, len(list))
	var first error
	for _, sch := range list {
		live[sch.Name] = true
		if err := s.handle(ctx, sch, now); err != nil && first == nil {
			first = err
		}
	}
	for name := range s.seen {
		if !live[name] {
			delete(s.seen, name)
		}
	}
	return first
}

func (s *Scheduler) handle(ctx context.Context, sch schedule.Schedule, now time.Time) error {
	tr := s.track(sch)
	if tr.bad {
		return nil
	}
	if sch.Paused != tr.paused {
		tr.paused = sch.Paused
		msg := "scheduler: schedule resumed; firing from its next fire on"
		if sch.Paused {
			msg = "scheduler: schedule paused; not firing it"
		}
		s.log.Info(msg, "schedule", sch.Name)
	}
	if sch.Paused {
		return nil
	}
	floor := now.Add(-s.cfg.CatchUpWindow)
	// Fires at or before the last resume were missed while paused: the
	// store's Resumed time says so to every replica, restarted or not.
	from := latest(tr.done, floor, sch.Created, sch.Resumed)
	fire, missed := lastFire(tr.cron, from, now)
	if fire.IsZero() {
		// No fire due; fires up to the floor are out of the window for good.
		tr.done = latest(tr.done, floor)
		return nil
	}
	if err := s.fire(ctx, sch, fire, missed); err != nil {
		return err // tr.done stays put: the fire is tried again next tick
	}
	tr.done = fire
	return nil
}

// track returns the memory of sch, starting afresh when the schedule is
// new to this replica or was deleted and created again.
func (s *Scheduler) track(sch schedule.Schedule) *tracked {
	spec := sch.Cron
	if tr, ok := s.seen[sch.Name]; ok && tr.created.Equal(sch.Created) && tr.spec == spec {
		return tr
	}
	tr := &tracked{created: sch.Created, spec: spec, cron: s.defaultCron}
	if spec != "" {
		c, err := schedule.ParseCron(spec)
		if err != nil {
			tr.bad = true
			s.log.Error("scheduler: schedule has an invalid cron; not running it", "schedule", sch.Name, "cron", spec, "err", err)
		}
		tr.cron = c
	}
	s.seen[sch.Name] = tr
	return tr
}

// fire enqueues one fire's job unless some replica already did; see the
// package comment for why the order is enqueue, then marker.
func (s *Scheduler) fire(ctx context.Context, sch schedule.Schedule, at time.Time, missed int) (err error) {
	unix := strconv.FormatInt(at.Unix(), 10)
	fired, err := s.store.Fired(ctx, sch.Name, at)
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	if fired {
		return nil
	}
	ctx, span := jobtrace.StartFire(ctx, sch.Name, at)
	defer func() { jobtrace.End(span, err) }()
	ids, err := s.enq.Enqueue(ctx, []queue.EnqueueRequest{{Job: sch.CrawlJob(), IdempotencyKey: "schedule:" + sch.Name + ":" + unix}})
	if err != nil {
		return fmt.Errorf("scheduler: %s at %s: %w", sch.Name, unix, err)
	}
	if len(ids) != 1 {
		return fmt.Errorf("scheduler: %s at %s: enqueue returned %d ids", sch.Name, unix, len(ids))
	}
	won, err := s.store.MarkFired(ctx, sch.Name, at, ids[0], s.cfg.CatchUpWindow+markerMargin)
	if err != nil {
		// The job is in; a retry of this fire gets the same id back.
		return fmt.Errorf("scheduler: %w", err)
	}
	if won {
		s.log.InfoContext(ctx, "scheduler: fired", "schedule", sch.Name, "fire", at, "job", ids[0], "missed_fires_skipped", missed)
	}
	return nil
}

// lastFire returns the latest fire of c in (from, to] and how many earlier
// fires in that span it stands for, or the zero time.
func lastFire(c schedule.Cron, from, to time.Time) (time.Time, int) {
	var fire time.Time
	missed := -1
	for next := c.Next(from); !next.IsZero() && !next.After(to); next = c.Next(next) {
		fire = next
		missed++
	}
	return fire, max(missed, 0)
}

func latest(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}
