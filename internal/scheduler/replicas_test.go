package scheduler

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
	"github.com/crawler-service/crawler/internal/syncbuf"
)

// countingStore counts List calls, so a test knows a replica has ticked.
type countingStore struct {
	Store
	lists atomic.Int64
}

func (c *countingStore) List(ctx context.Context) ([]schedule.Schedule, error) {
	defer c.lists.Add(1)
	return c.Store.List(ctx)
}

// TestTwoReplicasOneJobPerFire runs two schedulers at once over three
// fires of a per-minute schedule and finds one job per fire.
func TestTwoReplicasOneJobPerFire(t *testing.T) {
	t.Parallel()
	e := newEnv(t, at("10:00:40"))
	e.put(t, "minutely", "* * * * *", at("10:00:30"))

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	stores := make([]*countingStore, 2)
	for i := range stores {
		stores[i] = &countingStore{Store: e.store}
		cfg := Config{Tick: 2 * time.Millisecond, Now: e.clock.Now}
		s, err := New(cfg, stores[i], e.q, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		wg.Go(func() {
			if err := s.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	// bothTicked waits until each replica has finished two more ticks, so
	// both have seen the clock's new time.
	bothTicked := func() {
		t.Helper()
		want := []int64{stores[0].lists.Load() + 2, stores[1].lists.Load() + 2}
		deadline := time.Now().Add(10 * time.Second)
		for stores[0].lists.Load() < want[0] || stores[1].lists.Load() < want[1] {
			if time.Now().After(deadline) {
				t.Fatal("replicas did not tick within 10s")
			}
			time.Sleep(time.Millisecond)
		}
	}

	bothTicked()
	if n := len(e.jobs(t)); n != 0 {
		t.Fatalf("before the first fire: %d jobs, want 0", n)
	}
	for _, fire := range []time.Time{at("10:01:00"), at("10:02:00"), at("10:03:00")} {
		e.clock.Set(fire.Add(500 * time.Millisecond))
		bothTicked()
		jobs := e.jobs(t)
		if len(jobs) != 1 {
			t.Fatalf("fire %s: %d jobs, want exactly 1", fire.Format(time.TimeOnly), len(jobs))
		}
		// The marker is set after the enqueue (see doc.go), so a replica may
		// still be between the two when the job is already visible.
		deadline := time.Now().Add(5 * time.Second)
		for e.marker(t, "minutely", fire) != jobs[0].ID && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		if jobs[0].Schedule != "minutely" || e.marker(t, "minutely", fire) != jobs[0].ID {
			t.Fatalf("fire %s: job %+v does not match the fire's marker %q", fire.Format(time.TimeOnly), jobs[0], e.marker(t, "minutely", fire))
		}
	}
}

// barrierEnqueuer holds each Enqueue until every replica has arrived, so
// the replicas really do enqueue the same fire at the same moment.
type barrierEnqueuer struct {
	Enqueuer
	arrived *sync.WaitGroup
	ids     chan string
}

func (b *barrierEnqueuer) Enqueue(ctx context.Context, reqs []queue.EnqueueRequest) ([]string, error) {
	b.arrived.Done()
	b.arrived.Wait()
	ids, err := b.Enqueuer.Enqueue(ctx, reqs)
	if err == nil {
		b.ids <- ids[0]
	}
	return ids, err
}

// TestRacingReplicasShareOneJob: replicas that both pass the marker check
// and enqueue the same fire together still make one job, and one of them
// logs the fire.
func TestRacingReplicasShareOneJob(t *testing.T) {
	t.Parallel()
	const replicas = 3
	e := newEnv(t, at("10:35:00"))
	e.put(t, "s", "*/10 * * * *", at("08:00:00"))
	var arrived sync.WaitGroup
	arrived.Add(replicas)
	ids := make(chan string, replicas)
	var wg sync.WaitGroup
	logs := make([]*syncbuf.Buffer, replicas)
	for i := range replicas {
		s, l := e.scheduler(t, Config{}, &barrierEnqueuer{Enqueuer: e.q, arrived: &arrived, ids: ids})
		logs[i] = l
		wg.Go(func() {
			if err := s.tick(context.Background()); err != nil {
				t.Errorf("tick: %v", err)
			}
		})
	}
	wg.Wait()
	close(ids)
	var first string
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first {
			t.Errorf("replicas got different ids %s and %s for one fire", first, id)
		}
	}
	jobs := e.jobs(t)
	if len(jobs) != 1 || jobs[0].ID != first || e.marker(t, "s", at("10:30:00")) != first {
		t.Fatalf("%d jobs (want 1, id %s), marker %q", len(jobs), first, e.marker(t, "s", at("10:30:00")))
	}
	fired := 0
	for _, l := range logs {
		fired += strings.Count(l.String(), "scheduler: fired")
	}
	if fired != 1 {
		t.Errorf("%d replicas logged the fire, want 1", fired)
	}
}

// TestRunSurvivesRedisOutage: ticks fail while Redis is gone, Run logs
// the outage once, keeps ticking and returns nil when stopped.
func TestRunSurvivesRedisOutage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, at("10:35:00"))
	e.put(t, "s", "*/10 * * * *", at("08:00:00"))
	e.srv.Kill()
	store := &countingStore{Store: e.store}
	s, logs := e.scheduler(t, Config{Tick: 5 * time.Millisecond}, nil)
	s.store = store
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for store.lists.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil after ctx ends", err)
	}
	if n := store.lists.Load(); n < 3 {
		t.Fatalf("Run ticked %d times in 20s with Redis down, want it to keep ticking", n)
	}
	if n := strings.Count(logs.String(), "tick failed"); n != 1 {
		t.Fatalf("outage logged %d times over %d ticks, want once:\n%s", n, store.lists.Load(), logs)
	}
}

func TestNewRejectsBadDefaultCron(t *testing.T) {
	t.Parallel()
	_, err := New(Config{DefaultCron: "every ten minutes"}, nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "default cron") {
		t.Fatalf("New = %v, want a default cron error", err)
	}
}
