package integration

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/redistest"
)

// cluster is one test's deployment: its own redis-server, local site and
// crawler processes, so tests run in parallel without sharing anything.
type cluster struct {
	t     *testing.T
	redis *redistest.Server
	site  *site
	token string
	// env is what every process gets; start adds per-process values.
	env map[string]string
	api *client // set by startAPI
}

func newCluster(t *testing.T, s *site, opts ...redistest.Option) *cluster {
	t.Helper()
	r := redistest.Start(t, opts...)
	token := fmt.Sprintf("it-token-%d", time.Now().UnixNano())
	return &cluster{
		t: t, redis: r, site: s, token: token,
		env: map[string]string{
			"REDIS_URL":             "redis://" + r.Addr(),
			"API_TOKEN":             token,
			"CRAWL_ALLOW_PRIVATE":   "true",
			"OTEL_METRICS_EXPORTER": "prometheus",
			"LOG_FORMAT":            "json",
		},
	}
}

// start runs one process with the cluster's environment plus extra (an
// empty value unsets a variable).
func (c *cluster) start(name, process string, extra map[string]string) *proc {
	c.t.Helper()
	env := maps.Clone(c.env)
	maps.Copy(env, extra)
	return startProc(c.t, name, process, env)
}

// startAPI runs the api process and points the cluster's client at it.
func (c *cluster) startAPI(extra map[string]string) *proc {
	c.t.Helper()
	p := c.start("api", "api", extra)
	c.api = newClient(p.httpAddr, c.token)
	return p
}

// waitDrained waits until the queue holds nothing waiting, active or
// delayed, and returns the last counts.
func (c *cluster) waitDrained(ctx context.Context) crawler.QueueCounts {
	c.t.Helper()
	var last crawler.QueueCounts
	var lastErr error
	for {
		qc, err := c.api.queue(ctx)
		if err == nil && qc.Waiting == 0 && qc.Active == 0 && qc.Delayed == 0 {
			return qc
		}
		if err == nil {
			last = qc
		}
		lastErr = err
		select {
		case <-ctx.Done():
			c.t.Fatalf("queue not drained: last counts %+v, last error %v", last, lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitCompleted waits until every job in ids is completed and returns
// their statuses; a job that failed for good fails the test at once.
func (c *cluster) waitCompleted(ctx context.Context, ids []string) map[string]crawler.Status {
	c.t.Helper()
	done := make(map[string]crawler.Status, len(ids))
	for {
		for _, id := range ids {
			if _, ok := done[id]; ok {
				continue
			}
			st, err := c.api.job(ctx, id)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				continue // the API may be between Redis connections
			}
			switch st.State {
			case crawler.StateCompleted:
				done[id] = st
			case crawler.StateFailed:
				c.t.Fatalf("job %s failed: %+v", id, st.Error)
			}
		}
		if len(done) == len(ids) {
			return done
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("%d of %d jobs completed before the deadline", len(done), len(ids))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pageJobs makes one http job per site path, each asking for the rank of
// the path's target link.
func pageJobs(s *site, paths []string) []jobRequest {
	jobs := make([]jobRequest, len(paths))
	for i, p := range paths {
		jobs[i] = jobRequest{URL: s.url(p), Method: "http", Rank: &crawler.RankSpec{Selector: "li.item a", Match: targetFor(p)}}
	}
	return jobs
}
