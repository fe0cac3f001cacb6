package integration

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

func TestPublisherGaugesEqualQueue(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const concurrency = 4
	s := newSite(t, 0, 0)
	c := newCluster(t, s)
	c.startAPI(nil)
	c.start("worker", "worker", map[string]string{
		"WORKER_CONCURRENCY": fmt.Sprint(concurrency), "CRAWL_PER_HOST_CONCURRENCY": fmt.Sprint(concurrency),
	})
	pub := c.start("publisher", "metric-publisher", map[string]string{"METRIC_PUBLISH_INTERVAL_MS": "200"})

	// A known state: 3 jobs failed for good (404), every slot of the one
	// worker held by a page that does not answer (active), 10 behind
	// them (waiting).
	failedIDs, err := c.api.postJobs(ctx, pageJobs(s, []string{"/status/404/a", "/status/404/b", "/status/404/c"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range failedIDs {
		waitState(ctx, t, c, id, crawler.StateFailed)
	}
	held := make([]string, concurrency)
	for i := range held {
		held[i] = fmt.Sprintf("/hold/pub-%d", i)
	}
	if _, err := c.api.postJobs(ctx, pageJobs(s, held)); err != nil {
		t.Fatal(err)
	}
	if err := s.waitInFlight(ctx, concurrency); err != nil {
		t.Fatal(err)
	}
	if _, err := c.api.postJobs(ctx, pageJobs(s, pagePaths("pub", 10))); err != nil {
		t.Fatal(err)
	}
	posted := time.Now()

	busy := crawler.QueueCounts{Waiting: 10, Active: concurrency, Failed: 3, Workers: 1}
	idle := crawler.QueueCounts{Failed: 3, Workers: 1}
	for _, want := range []crawler.QueueCounts{busy, idle} {
		if want == idle {
			s.release()
			c.waitDrained(ctx)
		}
		got, err := c.api.queue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Waiting != want.Waiting || got.Active != want.Active || got.Delayed != want.Delayed ||
			got.Failed != want.Failed || got.Workers != want.Workers {
			t.Fatalf("GET /v1/queue = %+v, want %+v", got, want)
		}
		gauges := waitGauges(ctx, t, pub, got)
		t.Logf("queue %+v; publisher gauges %v", got, gauges)
		backlog := float64(want.Waiting) / float64(want.Workers)
		if g := gauges["crawler_queue_backlog_per_worker_ratio"]; g != backlog {
			t.Errorf("backlog per worker gauge %v, want %v", g, backlog)
		}
		age, maxAge := gauges["crawler_queue_oldest_job_age_seconds"], 0.0
		if want.Waiting > 0 {
			maxAge = time.Since(posted).Seconds() + 1 // server and test clocks are one clock here
		}
		if age < 0 || age > maxAge {
			t.Errorf("oldest job age gauge %v with %d waiting, want 0 to %.1f", age, want.Waiting, maxAge)
		}
	}
}

// queueGauges maps each published gauge to the count it must equal.
func queueGauges(qc crawler.QueueCounts) map[string]float64 {
	return map[string]float64{
		"crawler_queue_waiting": float64(qc.Waiting),
		"crawler_queue_active":  float64(qc.Active),
		"crawler_queue_delayed": float64(qc.Delayed),
		"crawler_queue_failed":  float64(qc.Failed),
		"crawler_queue_workers": float64(qc.Workers),
	}
}

// waitGauges scrapes the publisher until its gauges equal want (it reads
// the queue every 200 ms), and returns its crawler_queue_* samples.
func waitGauges(ctx context.Context, t *testing.T, pub *proc, want crawler.QueueCounts) map[string]float64 {
	t.Helper()
	var got map[string]float64
	var err error
	for {
		got, err = scrape(ctx, pub.httpAddr, "crawler_queue_")
		if err == nil && gaugesMatch(got, want) {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("publisher gauges %v (scrape error %v), want %v", got, err, queueGauges(want))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func gaugesMatch(got map[string]float64, want crawler.QueueCounts) bool {
	for name, v := range queueGauges(want) {
		g, ok := got[name]
		if !ok || g != v {
			return false
		}
	}
	return true
}

// scrape reads a Prometheus text exposition and returns the samples whose
// name starts with prefix. Only unlabelled samples are kept: the queue
// gauges have no attributes.
func scrape(ctx context.Context, addr, prefix string) (map[string]float64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.Contains(name, "{") {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err != nil || math.IsNaN(v) {
			continue
		}
		out[name] = v
	}
	return out, sc.Err()
}

// waitState polls one job until it reaches state.
func waitState(ctx context.Context, t *testing.T, c *cluster, id string, state crawler.State) {
	t.Helper()
	for {
		st, err := c.api.job(ctx, id)
		if err == nil && st.State == state {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("job %s: state %q (err %v), want %s", id, st.State, err, state)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
