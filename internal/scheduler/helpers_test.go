package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/internal/schedule"
	"github.com/crawler-service/crawler/internal/syncbuf"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}

// fakeClock is a clock the test moves by hand, shared by replicas.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// env is one test's Redis, queue and schedule store.
type env struct {
	srv   *redistest.Server
	rdb   *redis.Client
	q     *queue.Queue
	store *schedule.Store
	keys  keyspace.Keys
	clock *fakeClock
}

func newEnv(t *testing.T, now time.Time) *env {
	t.Helper()
	srv := redistest.Start(t)
	rdb := srv.Client()
	keys := keyspace.Keys(strings.ReplaceAll(t.Name(), "/", "_"))
	return &env{
		srv: srv, rdb: rdb, keys: keys,
		q:     queue.New(rdb, queue.Config{Keys: keys}),
		store: schedule.NewStore(rdb, keys),
		clock: &fakeClock{now: now},
	}
}

// scheduler builds a replica on the env's clock; enq nil means the queue.
func (e *env) scheduler(t *testing.T, cfg Config, enq Enqueuer) (*Scheduler, *syncbuf.Buffer) {
	t.Helper()
	if enq == nil {
		enq = e.q
	}
	cfg.Now = e.clock.Now
	logs := &syncbuf.Buffer{}
	s, err := New(cfg, e.store, enq, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("scheduler.New: %v", err)
	}
	return s, logs
}

func (e *env) put(t *testing.T, name, cron string, created time.Time) {
	t.Helper()
	_, err := e.store.Put(context.Background(), schedule.Schedule{
		Name: name, Cron: cron, Created: created,
		Job: schedule.Job{URL: "https://example.com/" + name, Method: crawler.MethodHTTP},
	})
	if err != nil {
		t.Fatalf("put schedule %s: %v", name, err)
	}
}

// jobs drains the queue and returns what it held.
func (e *env) jobs(t *testing.T) []crawler.Job {
	t.Helper()
	var out []crawler.Job
	for {
		ds, err := e.q.Read(context.Background(), "test", 100, 0)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if len(ds) == 0 {
			return out
		}
		for _, d := range ds {
			out = append(out, d.Job)
		}
	}
}

// marker reports the job id a fire's marker holds, or "".
func (e *env) marker(t *testing.T, name string, fire time.Time) string {
	t.Helper()
	v, err := e.rdb.Get(context.Background(), e.keys.Fire(name, fire.Unix())).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatalf("get marker: %v", err)
	}
	return v
}

func itoaUnix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func mustCron(t *testing.T, spec string) schedule.Cron {
	t.Helper()
	c, err := schedule.ParseCron(spec)
	if err != nil {
		t.Fatalf("ParseCron(%q): %v", spec, err)
	}
	return c
}
