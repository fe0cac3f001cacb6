package queue

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/keyspace"
)

//go:embed scripts/*.lua scripts/lib/*.lua
var scriptFS embed.FS

// scripts are the Lua scripts, loaded once per Queue. EVALSHA falls back to
// EVAL when the server's script cache is empty (after a restart).
type scripts struct {
	enqueue, promote, reclaim, extend, complete, fail, release, status, counts, heartbeat, workers, list *redis.Script
	// The operators' scripts on single jobs and on the failed set.
	failedOps, remove, cancel *redis.Script
}

func loadScripts() scripts {
	read := func(path string) string {
		src, err := scriptFS.ReadFile(path)
		if err != nil {
			panic(fmt.Sprintf("queue: embedded script %s: %v", path, err)) // a build defect, not a runtime state
		}
		return string(src)
	}
	lib := read("scripts/lib/failed.lua")
	load := func(name string) *redis.Script {
		// Every script starts with the library: the failed set's index
		// keeping, which every script that adds to or takes from that set
		// must use, and the helpers they share.
		return redis.NewScript(lib + "\n" + read("scripts/"+name+".lua"))
	}
	return scripts{
		enqueue:   load("enqueue"),
		promote:   load("promote"),
		reclaim:   load("reclaim"),
		extend:    load("extend"),
		complete:  load("complete"),
		fail:      load("fail"),
		release:   load("release"),
		status:    load("status"),
		counts:    load("counts"),
		heartbeat: load("heartbeat"),
		workers:   load("workers"),
		list:      load("list"),
		failedOps: load("failedops"),
		remove:    load("remove"),
		cancel:    load("cancel"),
	}
}

// Queue is a job queue on one Redis. It is safe for concurrent use and owns
// no goroutines, so it needs no Close; the caller owns rdb.
type Queue struct {
	rdb     redis.UniversalClient
	cfg     Config
	keys    keys
	scripts scripts
	ids     idGen

	groupMu     sync.Mutex // one creator at a time; the others wait for it
	groupReady  atomic.Bool
	nextPromote atomic.Int64 // unix nanos; Read promotes when past it
	nextReclaim atomic.Int64
	// reclaimAfter (unix nanos) holds reclaims back for a lease after this
	// process last saw Redis fail: once Redis is back, every delivery looks
	// idle past its lease, and the live holders need one extend round to
	// show they are alive.
	reclaimAfter atomic.Int64

	pause  pauseView // this process's view of the pause flag, for Read
	rounds *rounds   // shared round trips of Complete and Read
}

// New returns a Queue on rdb. It does no I/O: the consumer group is created
// on first use, and again if Redis lost it.
func New(rdb redis.UniversalClient, cfg Config) *Queue {
	cfg = cfg.withDefaults()
	return &Queue{
		rdb: rdb, cfg: cfg, keys: newKeys(cfg.Keys), scripts: loadScripts(),
		rounds: newRounds(),
	}
}

// Config returns the configuration in use, defaults filled in.
func (q *Queue) Config() Config { return q.cfg }

// Ping reports whether Redis answers, for readiness checks.
func (q *Queue) Ping(ctx context.Context) error {
	if err := q.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("queue: ping: %w", keyspace.Classify(err))
	}
	return nil
}

// ensureGroup creates the stream and its group. The group starts at the
// stream's beginning so jobs enqueued before any worker came are delivered.
func (q *Queue) ensureGroup(ctx context.Context) error {
	if q.groupReady.Load() {
		return nil
	}
	q.groupMu.Lock()
	defer q.groupMu.Unlock()
	if q.groupReady.Load() {
		return nil
	}
	err := q.rdb.XGroupCreateMkStream(ctx, q.keys.stream, group, "0").Err()
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		return err
	}
	q.groupReady.Store(true)
	return nil
}

// withGroup runs op, and once more after re-creating the group if Redis
// lost it (a restart without persistence, a FLUSHALL).
func (q *Queue) withGroup(ctx context.Context, op func() error) error {
	if err := q.ensureGroup(ctx); err != nil {
		return err
	}
	err := op()
	if err == nil || !isNoGroup(err) {
		return err
	}
	q.groupReady.Store(false)
	if err := q.ensureGroup(ctx); err != nil {
		return err
	}
	return op()
}

func isNoGroup(err error) bool { return err != nil && strings.Contains(err.Error(), "NOGROUP") }

// due reports whether a periodic task is due and, if so, claims it until
// every from now, so concurrent readers run it once.
func due(next *atomic.Int64, now time.Time, every time.Duration) bool {
	n := next.Load()
	if now.UnixNano() < n {
		return false
	}
	return next.CompareAndSwap(n, now.Add(every).UnixNano())
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// sawFailure notes a failed Redis call for reclaimAfter; a call cancelled
// by its caller (shutdown) says nothing about Redis. A deadline does: an
// unreachable Redis often shows as one.
func (q *Queue) sawFailure(err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		q.reclaimAfter.Store(time.Now().Add(q.cfg.Lease).UnixNano())
	}
}
