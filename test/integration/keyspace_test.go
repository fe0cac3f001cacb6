package integration

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/redistest"
)

// TestEveryKeyInTheKeyspace runs the service with REDIS_PREFIX on a
// one-node Redis Cluster through an end-to-end job, a job that fails, a
// schedule fire and host-limited fetches, scanning every key all along and
// once more at the end: each must be under "{prefix}:" and be one that
// keyspace.Keys names. The cluster refuses a MULTI or a script whose keys
// hash to different slots (CROSSSLOT), so the run also shows that every
// transaction and script stays in the one slot of the hash tag (the
// failed set's indexes and the per-minute throughput counters among them,
// which scripts name from the key base). The
// schedule fires at a minute boundary, so the test takes 60 to 80 s.
func TestEveryKeyInTheKeyspace(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	s := newSite(t, 200*time.Millisecond, 200*time.Millisecond)
	c := newCluster(t, s, redistest.WithArgs("--cluster-enabled", "yes"))
	rdb := c.redis.Client()
	oneNodeCluster(ctx, t, rdb)
	ks := keyspace.Keys("it-keys")
	c.env["REDIS_PREFIX"] = ks.Prefix()

	seen := &keySet{keys: map[string]bool{}}
	scanCtx, stopScan := context.WithCancel(ctx)
	scanned := make(chan error, 1)
	go func() { scanned <- seen.scanUntil(scanCtx, rdb, 20*time.Millisecond) }()
	stop := sync.OnceValue(func() error { stopScan(); return <-scanned })
	defer stop()

	c.startAPI(nil)
	c.start("scheduler", "scheduler", nil)
	worker := c.start("worker", "worker", map[string]string{
		"CRAWL_PER_HOST_SHARED": "true", "CRAWL_PER_HOST_GAP_MS": "500",
	})

	const name = "keys-every-minute"
	path := "/p/keys-scheduled"
	if _, err := c.api.createSchedule(ctx, scheduleRequest{
		Name: name, Cron: "* * * * *",
		Job: jobRequest{URL: s.url(path), Method: "http", Rank: &crawler.RankSpec{Selector: "li.item", Match: targetFor(path)}},
	}); err != nil {
		t.Fatal(err)
	}
	var one struct {
		ID string `json:"id"`
	}
	if err := c.api.do(ctx, http.MethodPost, "/v1/jobs", map[string]any{
		"url": s.url("/p/keys-job"), "method": "http", "idempotency_key": "keys-1",
	}, &one); err != nil {
		t.Fatal(err)
	}
	failing, err := c.api.postJobs(ctx, []jobRequest{{URL: s.url("/status/404"), Method: "http"}})
	if err != nil {
		t.Fatal(err)
	}
	c.waitCompleted(ctx, []string{one.ID})
	for {
		st, err := c.api.job(ctx, failing[0])
		if err == nil && st.State == crawler.StateFailed {
			break
		}
		sleepOrFatal(ctx, t, 200*time.Millisecond, "the failing job to be parked")
	}
	for {
		results, err := c.api.scheduleResults(ctx, name)
		if err == nil && len(results) > 0 {
			break
		}
		sleepOrFatal(ctx, t, 500*time.Millisecond, "a fire of the schedule to complete")
	}
	if code, took := worker.terminate(30 * time.Second); code != 0 {
		t.Errorf("worker: exit %d after SIGTERM (%s), want 0", code, took)
	}
	if err := stop(); err != nil {
		t.Fatalf("scan during the run: %v", err)
	}
	if err := seen.scan(ctx, rdb); err != nil {
		t.Fatalf("scan after the run: %v", err)
	}

	kinds := map[string]int{}
	for _, key := range seen.all() {
		kind := ks.Kind(key)
		if !strings.HasPrefix(key, ks.Tag()+":") || kind == "" {
			t.Errorf("key %q is not one keyspace.Keys names under %s", key, ks.Tag())
			continue
		}
		kinds[kind]++
	}
	t.Logf("keys seen, by kind: %v", kinds)
	for _, want := range []string{
		"stream", "failed", "workers", "worker_info", "job", "idempotency",
		"schedules", "schedule_results", "fire", "host", "host_next",
		"failed_by_type", "failed_index", "throughput",
	} {
		if kinds[want] == 0 {
			t.Errorf("no %s key seen; the run should have made one (kinds seen: %v)", want, slices.Sorted(maps.Keys(kinds)))
		}
	}
}

// oneNodeCluster gives the cluster-enabled server every slot and waits
// until it serves them.
func oneNodeCluster(ctx context.Context, t *testing.T, rdb *redis.Client) {
	t.Helper()
	if err := rdb.ClusterAddSlotsRange(ctx, 0, 16383).Err(); err != nil {
		t.Fatalf("cluster addslotsrange: %v", err)
	}
	for {
		info, err := rdb.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return
		}
		sleepOrFatal(ctx, t, 50*time.Millisecond, "the one-node cluster to be ok")
	}
}

func sleepOrFatal(ctx context.Context, t *testing.T, d time.Duration, what string) {
	t.Helper()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
	}
}

// keySet gathers every key name SCAN ever found.
type keySet struct {
	mu   sync.Mutex
	keys map[string]bool
}

// scanUntil scans every interval until ctx ends, so short-lived keys (a
// host's holders live as long as a request) are seen too.
func (s *keySet) scanUntil(ctx context.Context, rdb *redis.Client, every time.Duration) error {
	for {
		if err := s.scan(ctx, rdb); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

func (s *keySet) scan(ctx context.Context, rdb *redis.Client) error {
	var cursor uint64
	for {
		found, next, err := rdb.Scan(ctx, cursor, "*", 1000).Result()
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		s.mu.Lock()
		for _, k := range found {
			s.keys[k] = true
		}
		s.mu.Unlock()
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

func (s *keySet) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.keys))
}
