package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPausedSchedule walks a schedule through a pause and a resume with a
// fake clock: no fire while paused, however many periods pass, and after
// the resume the next fire runs, not the ones missed while paused, on any
// replica, even one that never saw the pause.
func TestPausedSchedule(t *testing.T) {
	t.Parallel()
	type step struct {
		now    time.Time
		pause  *bool // pause (true) or resume (false) at now, before the tick
		fresh  bool  // a new replica (a restart): nothing remembered
		skip   bool  // no tick: the replicas never look at this moment
		fire   time.Time
		logged string // the replica's log gains this line
	}
	pause, resume := new(bool), new(bool)
	*pause = true
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "paused over several periods, resumed between fires",
			steps: []step{
				{now: at("10:00:01"), fire: at("10:00:00")},
				{now: at("10:02:00"), pause: pause, logged: "schedule paused"},
				{now: at("10:10:00")},
				{now: at("10:20:00")},
				{now: at("10:30:00")},
				{now: at("10:35:00"), pause: resume, logged: "schedule resumed"},
				{now: at("10:35:01")},
				{now: at("10:36:00"), fresh: true},
				{now: at("10:40:00"), fire: at("10:40:00"), logged: "missed_fires_skipped=0"},
				{now: at("10:50:00"), fire: at("10:50:00")},
			},
		},
		{
			name: "paused and resumed between two ticks",
			steps: []step{
				{now: at("10:00:01"), fire: at("10:00:00")},
				{now: at("10:05:00"), pause: pause, skip: true},
				{now: at("10:25:00"), pause: resume, skip: true},
				{now: at("10:26:00")},
				{now: at("10:26:01"), fresh: true},
				{now: at("10:30:00"), fire: at("10:30:00")},
			},
		},
		{
			name: "paused through a fire exactly at its time",
			steps: []step{
				{now: at("09:50:01"), fire: at("09:50:00")},
				{now: at("09:59:59")},
				{now: at("10:00:00"), pause: pause},
				{now: at("10:00:00"), pause: resume},
				{now: at("10:00:01"), fresh: true},
				{now: at("10:10:00"), fire: at("10:10:00")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, tt.steps[0].now)
			e.put(t, "s", "*/10 * * * *", at("08:00:00"))
			s, logs := e.scheduler(t, Config{}, nil)
			for i, st := range tt.steps {
				e.clock.Set(st.now)
				if st.pause != nil {
					got, changed, err := e.store.SetPaused(ctx, "s", *st.pause, st.now)
					if err != nil || !changed || got.Paused != *st.pause {
						t.Fatalf("step %d: SetPaused(%v) = %+v, %v, %v", i, *st.pause, got, changed, err)
					}
				}
				if st.skip {
					continue
				}
				if st.fresh {
					s, logs = e.scheduler(t, Config{}, nil)
				}
				before := logs.String()
				if err := s.tick(ctx); err != nil {
					t.Fatalf("step %d: tick: %v", i, err)
				}
				jobs := e.jobs(t)
				switch {
				case st.fire.IsZero() && len(jobs) != 0:
					t.Fatalf("step %d at %s: %d jobs enqueued (%+v), want none", i, st.now.Format(time.TimeOnly), len(jobs), jobs)
				case !st.fire.IsZero() && (len(jobs) != 1 || e.marker(t, "s", st.fire) != jobs[0].ID || jobs[0].Schedule != "s"):
					t.Fatalf("step %d at %s: %d jobs enqueued, want the fire of %s", i, st.now.Format(time.TimeOnly), len(jobs), st.fire.Format(time.TimeOnly))
				}
				if added := strings.TrimPrefix(logs.String(), before); !strings.Contains(added, st.logged) {
					t.Errorf("step %d: log gained %q, want %q", i, added, st.logged)
				}
			}
		})
	}
}

// TestPausedScheduleRun runs a replica on a fast tick over a paused
// schedule while the clock crosses several of its fires, then resumes it.
func TestPausedScheduleRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, at("10:00:30"))
	e.put(t, "minutely", "* * * * *", at("10:00:00"))
	if _, _, err := e.store.SetPaused(context.Background(), "minutely", true, at("10:00:30")); err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: e.store}
	s, _ := e.scheduler(t, Config{Tick: 2 * time.Millisecond}, nil)
	s.store = store
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	// ticked waits until the replica has finished two more ticks, so it
	// has seen the clock's new time.
	ticked := func() {
		t.Helper()
		want := store.lists.Load() + 2
		deadline := time.Now().Add(10 * time.Second)
		for store.lists.Load() < want {
			if time.Now().After(deadline) {
				t.Fatal("the replica did not tick within 10s")
			}
			time.Sleep(time.Millisecond)
		}
	}
	for _, now := range []string{"10:01:00", "10:02:00", "10:03:00", "10:04:00", "10:04:30"} {
		e.clock.Set(at(now))
		ticked()
		if jobs := e.jobs(t); len(jobs) != 0 {
			t.Fatalf("paused, at %s: %d jobs, want none", now, len(jobs))
		}
	}
	if _, _, err := e.store.SetPaused(context.Background(), "minutely", false, at("10:04:30")); err != nil {
		t.Fatal(err)
	}
	ticked()
	if jobs := e.jobs(t); len(jobs) != 0 {
		t.Fatalf("just resumed: %d jobs, want none (10:04 was missed while paused)", len(jobs))
	}
	e.clock.Set(at("10:05:00"))
	ticked()
	deadline := time.Now().Add(5 * time.Second)
	for e.marker(t, "minutely", at("10:05:00")) == "" && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if jobs := e.jobs(t); len(jobs) != 1 || e.marker(t, "minutely", at("10:05:00")) != jobs[0].ID {
		t.Fatalf("at the first fire after the resume: %d jobs, want the 10:05 fire", len(jobs))
	}
}
