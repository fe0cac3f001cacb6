package queue_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// commandStats returns INFO commandstats as command -> calls, leaving out
// the commands that measure (INFO, CONFIG).
func commandStats(t testing.TB, rdb *redis.Client) map[string]int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatalf("info commandstats: %v", err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		name = strings.TrimPrefix(name, "cmdstat_")
		if name == "info" || name == "config" || strings.HasPrefix(name, "config|") {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		n, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		out[name] = n
	}
	return out
}

// process runs jobs with `slots` goroutines until total jobs are done. With
// perRead 1 every goroutine reads for itself (the worst case for round
// trips); otherwise one reader fills free slots, as a worker should.
func process(ctx context.Context, q *queue.Queue, total, slots, perRead int) error {
	var (
		mu   sync.Mutex
		done int
		errs = make(chan error, slots+1)
		wg   sync.WaitGroup
	)
	var failed bool
	fail := func(err error) {
		mu.Lock()
		failed = true
		mu.Unlock()
		errs <- err
	}
	finished := func(n int) bool {
		mu.Lock()
		defer mu.Unlock()
		done += n
		return done >= total || failed
	}
	deadline := time.Now().Add(2 * time.Minute)
	if perRead == 1 {
		for s := range slots {
			wg.Go(func() {
				for !finished(0) && time.Now().Before(deadline) {
					ds, err := q.Read(ctx, fmt.Sprintf("slot-%d", s), 1, 100*time.Millisecond)
					if err != nil {
						fail(err)
						return
					}
					for _, d := range ds {
						if err := q.Complete(ctx, d, crawler.Result{Status: 200}); err != nil {
							fail(err)
							return
						}
						finished(1)
					}
				}
			})
		}
	} else {
		free := make(chan struct{}, slots)
		for range slots {
			free <- struct{}{}
		}
		wg.Go(func() {
			for !finished(0) && time.Now().Before(deadline) {
				<-free
				n := 1
			more:
				for n < perRead {
					select {
					case <-free:
						n++
					default:
						break more
					}
				}
				ds, err := q.Read(ctx, "reader", n, 100*time.Millisecond)
				if err != nil {
					fail(err)
					return
				}
				for range n - len(ds) {
					free <- struct{}{}
				}
				for _, d := range ds {
					wg.Go(func() {
						defer func() { free <- struct{}{} }()
						if err := q.Complete(ctx, d, crawler.Result{Status: 200}); err != nil {
							fail(err)
							return
						}
						finished(1)
					})
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	if !finished(0) {
		return fmt.Errorf("only %d of %d jobs done before the deadline", done, total)
	}
	return nil
}

// The budget: at most 8 Redis commands per job for enqueue, read
// and complete, record and result included. Commands run inside Lua
// scripts count, as INFO commandstats counts them.
func TestCommandsPerJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		schedule string
		perRead  int
	}{
		{name: "each slot reads one", perRead: 1},
		{name: "one reader fills 50 slots", perRead: 50},
		{name: "scheduled jobs, each slot reads one", schedule: "s", perRead: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			const total, batch = 5000, 1000
			e := newEnv(t, queue.Config{})
			if err := e.rdb.ConfigResetStat(ctx).Err(); err != nil {
				t.Fatalf("config resetstat: %v", err)
			}
			for range total / batch {
				enqueue(t, e.q, jobs(batch, tt.schedule))
			}
			if err := process(ctx, e.q, total, 50, tt.perRead); err != nil {
				t.Fatalf("process: %v", err)
			}
			stats := commandStats(t, e.rdb)
			var sum int64
			names := make([]string, 0, len(stats))
			for name, n := range stats {
				sum += n
				names = append(names, name)
			}
			sort.Slice(names, func(i, j int) bool { return stats[names[i]] > stats[names[j]] })
			var b strings.Builder
			for _, n := range names {
				fmt.Fprintf(&b, " %s=%d", n, stats[n])
			}
			perJob := float64(sum) / total
			t.Logf("%.2f commands per job (%d for %d jobs):%s", perJob, sum, total, b.String())
			if perJob > 8 {
				t.Errorf("%.2f Redis commands per job, budget is 8", perJob)
			}
			// The pause flag rides the reads: at most one look per read
			// command, and one before the first read.
			if stats["exists"] > stats["xreadgroup"]+1 {
				t.Errorf("%d EXISTS for %d XREADGROUP: the pause check costs more than the reads", stats["exists"], stats["xreadgroup"])
			}
			if c := counts(t, e.q); c != (crawler.QueueCounts{}) {
				t.Errorf("counts after processing everything = %+v, want zeros", c)
			}
		})
	}
}
