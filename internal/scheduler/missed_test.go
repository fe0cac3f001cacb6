package scheduler

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/queue"
)

func at(hhmmss string) time.Time {
	t, err := time.Parse(time.DateTime, "2026-03-10 "+hhmmss)
	if err != nil {
		panic(err)
	}
	return t
}

// TestMissedFires walks replicas through time with a fake clock and checks
// the missed-fires policy of the package comment.
func TestMissedFires(t *testing.T) {
	t.Parallel()
	type step struct {
		now   time.Time
		fresh bool        // a new replica (a restart): nothing remembered
		fires []time.Time // fires this step must enqueue, in order
	}
	tests := []struct {
		name    string
		cron    string
		created time.Time
		cfg     Config
		preset  []time.Time // fire markers some other replica left
		steps   []step
		logs    string // must appear in the first replica's log
	}{
		{
			name: "down past many fires: only the latest runs, once",
			cron: "*/10 * * * *", created: at("08:00:00"),
			steps: []step{
				{now: at("10:35:00"), fires: []time.Time{at("10:30:00")}},
				{now: at("10:35:01")},
				{now: at("10:40:00"), fires: []time.Time{at("10:40:00")}},
			},
			logs: "missed_fires_skipped=5",
		},
		{
			name: "a fire later than the window never runs",
			cron: "0 * * * *", created: at("08:00:00"), cfg: Config{CatchUpWindow: 10 * time.Minute},
			steps: []step{
				{now: at("10:30:00")},
				{now: at("11:00:00"), fires: []time.Time{at("11:00:00")}},
			},
		},
		{
			name: "no fire at or before creation",
			cron: "0 * * * *", created: at("10:00:00"),
			steps: []step{
				{now: at("10:30:00")},
				{now: at("11:00:01"), fires: []time.Time{at("11:00:00")}},
			},
		},
		{
			name: "a fire another replica ran is not repeated",
			cron: "*/10 * * * *", created: at("08:00:00"), preset: []time.Time{at("10:30:00")},
			steps: []step{
				{now: at("10:35:00")},
				{now: at("10:40:00"), fires: []time.Time{at("10:40:00")}},
			},
		},
		{
			name: "a restarted replica does not repeat its fire",
			cron: "*/10 * * * *", created: at("08:00:00"),
			steps: []step{
				{now: at("10:35:00"), fires: []time.Time{at("10:30:00")}},
				{now: at("10:36:00"), fresh: true},
				{now: at("10:41:00"), fresh: true, fires: []time.Time{at("10:40:00")}},
			},
		},
		{
			name: "an empty cron follows the default",
			cron: "", created: at("08:00:00"), cfg: Config{DefaultCron: "*/15 * * * *"},
			steps: []step{
				{now: at("10:20:00"), fires: []time.Time{at("10:15:00")}},
				{now: at("10:29:59")},
				{now: at("10:30:00"), fires: []time.Time{at("10:30:00")}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, tt.steps[0].now)
			e.put(t, "s", tt.cron, tt.created)
			for _, p := range tt.preset {
				if err := e.rdb.Set(ctx, e.keys.Fire("s", p.Unix()), "other", 0).Err(); err != nil {
					t.Fatalf("preset marker: %v", err)
				}
			}
			s, logs := e.scheduler(t, tt.cfg, nil)
			for i, st := range tt.steps {
				e.clock.Set(st.now)
				if st.fresh {
					s, _ = e.scheduler(t, tt.cfg, nil)
				}
				if err := s.tick(ctx); err != nil {
					t.Fatalf("step %d: tick: %v", i, err)
				}
				jobs := e.jobs(t)
				if len(jobs) != len(st.fires) {
					t.Fatalf("step %d at %s: %d jobs enqueued, want %d (fires %v)", i, st.now.Format(time.TimeOnly), len(jobs), len(st.fires), st.fires)
				}
				for j, f := range st.fires {
					if got := e.marker(t, "s", f); got != jobs[j].ID {
						t.Errorf("step %d: marker of fire %s = %q, want job %s", i, f.Format(time.TimeOnly), got, jobs[j].ID)
					}
					if jobs[j].Schedule != "s" || jobs[j].URL != "https://example.com/s" {
						t.Errorf("step %d: job = %+v, want schedule s's job", i, jobs[j])
					}
				}
			}
			if !strings.Contains(logs.String(), tt.logs) {
				t.Errorf("log lacks %q:\n%s", tt.logs, logs)
			}
		})
	}
}

// flakyEnqueuer fails its first n calls, like Redis going away mid-tick.
type flakyEnqueuer struct {
	Enqueuer
	failures atomic.Int32
}

func (f *flakyEnqueuer) Enqueue(ctx context.Context, reqs []queue.EnqueueRequest) ([]string, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, errors.New("connection refused")
	}
	return f.Enqueuer.Enqueue(ctx, reqs)
}

// TestFailedFireIsRetried: a fire whose enqueue failed is not marked done,
// so the next tick runs it, once.
func TestFailedFireIsRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, at("10:35:00"))
	e.put(t, "s", "*/10 * * * *", at("08:00:00"))
	flaky := &flakyEnqueuer{Enqueuer: e.q}
	flaky.failures.Store(2)
	s, _ := e.scheduler(t, Config{}, flaky)
	for i := range 2 {
		if err := s.tick(ctx); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("tick %d: err = %v, want the enqueue failure", i, err)
		}
	}
	if n := len(e.jobs(t)); n != 0 || e.marker(t, "s", at("10:30:00")) != "" {
		t.Fatalf("after failures: %d jobs and a marker, want none", n)
	}
	e.clock.Set(at("10:35:02"))
	for range 2 {
		if err := s.tick(ctx); err != nil {
			t.Fatalf("tick: %v", err)
		}
	}
	jobs := e.jobs(t)
	if len(jobs) != 1 || e.marker(t, "s", at("10:30:00")) != jobs[0].ID {
		t.Fatalf("after recovery: %d jobs, want the 10:30 fire once", len(jobs))
	}
}

func TestLastFire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cron       string
		from, to   time.Time
		want       time.Time
		wantMissed int
	}{
		{"*/10 * * * *", at("10:00:00"), at("10:09:59"), time.Time{}, 0},
		{"*/10 * * * *", at("10:00:00"), at("10:10:00"), at("10:10:00"), 0},
		{"*/10 * * * *", at("09:59:59"), at("10:10:00"), at("10:10:00"), 1},
		{"*/10 * * * *", at("08:00:00"), at("10:35:00"), at("10:30:00"), 14},
		{"@every 20m", at("10:00:00"), at("11:00:00"), at("11:00:00"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.cron+" "+tt.to.Format(time.TimeOnly), func(t *testing.T) {
			t.Parallel()
			c := mustCron(t, tt.cron)
			got, missed := lastFire(c, tt.from, tt.to)
			if !got.Equal(tt.want) || missed != tt.wantMissed {
				t.Fatalf("lastFire = %s, %d; want %s, %d", got, missed, tt.want, tt.wantMissed)
			}
		})
	}
}
