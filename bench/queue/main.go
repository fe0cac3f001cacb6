// Command queuebench measures internal/queue against a Redis: enqueue rate
// in batches, processing rate with a fixed number of jobs in flight, Redis
// commands per job (INFO commandstats) and the process's memory. It prints
// one JSON line. run.sh runs it next to BullMQ on the same server.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

type report struct {
	Name           string  `json:"name"`
	Jobs           int     `json:"jobs"`
	Concurrency    int     `json:"concurrency"`
	EnqueuePerSec  float64 `json:"enqueue_per_s"`
	ProcessPerSec  float64 `json:"processed_per_s"`
	CommandsPerJob float64 `json:"commands_per_job"`
	IdleRSSMB      float64 `json:"idle_rss_mb"`
	IdleAfterRSSMB float64 `json:"idle_rss_after_mb"`
	PeakRSSMB      float64 `json:"peak_rss_mb"`
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "queuebench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("queuebench", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:6379", "Redis address")
	n := fs.Int("n", 20000, "jobs")
	conc := fs.Int("c", 50, "jobs in flight")
	batch := fs.Int("batch", 1000, "jobs per Enqueue")
	mode := fs.String("mode", "reader", "reader: one reader fills free slots, a slot is held until Complete returns; "+
		"early: the same, but a slot frees when its job's handler returns and Complete is awaited off the slot; "+
		"slots: every slot reads one job for itself")
	phase := fs.Duration("phase-timeout", 2*time.Minute, "bound on each phase")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the processing phase to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rdb := redis.NewClient(&redis.Options{Addr: *addr, PoolSize: *conc + 10})
	defer rdb.Close()
	q := queue.New(rdb, queue.Config{Keys: "bench"})
	ctx := context.Background()
	if err := q.Ping(ctx); err != nil {
		return err
	}
	if *mode != "reader" && *mode != "early" && *mode != "slots" {
		return fmt.Errorf("unknown -mode %q (reader, early, slots)", *mode)
	}
	r := report{Name: "crawler-queue/" + *mode, Jobs: *n, Concurrency: *conc}
	r.IdleRSSMB = idleRSS()
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		return err
	}

	pctx, cancel := context.WithTimeout(ctx, *phase)
	start := time.Now()
	for left := *n; left > 0; left -= *batch {
		reqs := make([]queue.EnqueueRequest, min(left, *batch))
		for i := range reqs {
			reqs[i].Job = crawler.Job{URL: "https://example.com/" + strconv.Itoa(left-i), Method: crawler.MethodHTTP}
		}
		if _, err := q.Enqueue(pctx, reqs); err != nil {
			cancel()
			return err
		}
	}
	r.EnqueuePerSec = float64(*n) / time.Since(start).Seconds()
	cancel()

	pctx, cancel = context.WithTimeout(ctx, *phase)
	defer cancel()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	start = time.Now()
	last, err := process(pctx, q, *n, *conc, *mode)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	// Up to the n-th stored result, as bullmq.js stops at the n-th
	// completed event: not the reader's last empty read after it.
	r.ProcessPerSec = float64(*n) / last.Sub(start).Seconds()

	calls, err := commandCalls(ctx, rdb)
	if err != nil {
		return err
	}
	r.CommandsPerJob = float64(calls) / float64(*n)
	r.PeakRSSMB = procStatusMB("VmHWM")
	r.IdleAfterRSSMB = idleRSS()
	return json.NewEncoder(os.Stdout).Encode(r)
}

// process runs no-op jobs with conc slots until n are done; see -mode.
// Every mode reads as one consumer, like one worker process. It returns
// when the n-th job's result was stored.
func process(ctx context.Context, q *queue.Queue, n, conc int, mode string) (time.Time, error) {
	var done atomic.Int64
	var last atomic.Pointer[time.Time]
	var wg sync.WaitGroup
	errc := make(chan error, conc+1)
	job := func(d queue.Delivery) bool {
		if err := q.Complete(ctx, d, crawler.Result{Status: 200, Method: crawler.MethodHTTP}); err != nil {
			errc <- err
			return false
		}
		if done.Add(1) == int64(n) {
			now := time.Now()
			last.Store(&now)
		}
		return true
	}
	if mode == "slots" {
		for range conc {
			wg.Go(func() {
				for done.Load() < int64(n) && ctx.Err() == nil {
					ds, err := q.Read(ctx, "bench", 1, 100*time.Millisecond)
					if err != nil {
						errc <- err
						return
					}
					for _, d := range ds {
						if !job(d) {
							return
						}
					}
				}
			})
		}
	} else {
		free := make(chan struct{}, conc)
		for range conc {
			free <- struct{}{}
		}
		for done.Load() < int64(n) && ctx.Err() == nil {
			select {
			case <-free:
			case err := <-errc:
				return time.Time{}, err
			case <-ctx.Done():
				continue
			}
			k := 1
		more:
			for k < conc {
				select {
				case <-free:
					k++
				default:
					break more
				}
			}
			ds, err := q.Read(ctx, "bench", k, 100*time.Millisecond)
			if err != nil {
				return time.Time{}, err
			}
			for range k - len(ds) {
				free <- struct{}{}
			}
			for _, d := range ds {
				wg.Go(func() {
					if mode == "early" {
						free <- struct{}{} // the no-op handler has returned
						job(d)
						return
					}
					job(d)
					free <- struct{}{}
				})
			}
		}
	}
	wg.Wait()
	select {
	case err := <-errc:
		return time.Time{}, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, fmt.Errorf("%d of %d jobs done: %w", done.Load(), n, err)
	}
	if done.Load() < int64(n) {
		return time.Time{}, errors.New("stopped early")
	}
	return *last.Load(), nil
}

// commandCalls sums INFO commandstats, leaving out INFO and CONFIG.
func commandCalls(ctx context.Context, rdb *redis.Client) (int64, error) {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok || name == "cmdstat_info" || strings.HasPrefix(name, "cmdstat_config") {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		v, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %q: %w", line, err)
		}
		sum += v
	}
	return sum, nil
}

// idleRSS is the resident set of a connected, idle process.
func idleRSS() float64 {
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(500 * time.Millisecond)
	return procStatusMB("VmRSS")
}

func procStatusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
