package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// TestCloudWatchDatums runs the crawler's api, a worker and the metric
// publisher against the fake CloudWatch (the real PutMetricData wire
// protocol), with and without CLOUDWATCH_WORKER_ID_DIMENSION, crawls a
// local site, and holds every alarm, dashboard widget and scaling policy in
// deploy/ to a datum that arrived: the metric under its exact dimension
// set. It also checks the rollups and that WorkerId never touches the
// publisher's gauges. Without WorkerId it then stops the publisher: no
// queue gauge arrives any more while the worker's metrics still do, which
// is what crawler-publisher-silent alarms on.
func TestCloudWatchDatums(t *testing.T) {
	t.Parallel()
	lookPath(t, "redis-server", "apt-get install -y redis-server")
	bin := buildCrawler(t)
	refs := deployCWRefs(t)
	site := e2eSite(t)
	for _, workerID := range []bool{false, true} {
		t.Run(fmt.Sprintf("WorkerId=%v", workerID), func(t *testing.T) {
			t.Parallel()
			cw := cloudwatchtest.NewServer()
			t.Cleanup(cw.Close)
			rdb := redistest.Start(t)
			apiAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
			env := []string{
				"REDIS_URL=redis://" + rdb.Addr(),
				"API_TOKEN=" + e2eToken,
				"OTEL_METRIC_EXPORT_INTERVAL=500",
				"HEARTBEAT_INTERVAL=1s",
				"METRIC_PUBLISH_INTERVAL_MS=300",
				"WORKER_CONCURRENCY=4",
				"CRAWL_ALLOW_PRIVATE=true",
				"SHUTDOWN_TIMEOUT=5s",
				"LOG_FORMAT=json",
				"AWS_ENDPOINT_URL_CLOUDWATCH=" + cw.URL(),
				"AWS_REGION=" + cloudwatchtest.Region,
				"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true",
				fmt.Sprintf("CLOUDWATCH_WORKER_ID_DIMENSION=%v", workerID),
			}
			with := func(extra ...string) []string { return append(slices.Clone(env), extra...) }
			api := startProc(t, "api", bin, []string{"--process=api"}, with("OTEL_METRICS_EXPORTER=none", "API_ADDR="+apiAddr))
			// emf beside cloudwatch so that the EMF exporter's health (which
			// the dashboard charts) travels through PutMetricData too.
			worker := startProc(t, "worker", bin, []string{"--process=worker"}, with("OTEL_METRICS_EXPORTER=cloudwatch,emf"))
			pub := startProc(t, "metric-publisher", bin, []string{"--process=metric-publisher"}, with("OTEL_METRICS_EXPORTER=cloudwatch"))
			waitHTTP(t, api, "http://"+apiAddr+"/readyz", time.Minute)

			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			ids := enqueue(ctx, t, "http://"+apiAddr, site.URL)
			waitJobs(ctx, t, "http://"+apiAddr, ids, []*proc{api, worker, pub})
			// Every attempt counted in the fleet-wide rollup, which also
			// proves the rollup arrives.
			waitDatums(ctx, t, cw, "the rollup of WorkerJobsCompleted to count every job", func(ds []cloudwatchtest.Datum) bool {
				return sumValues(ds, "WorkerJobsCompleted", nil) == float64(len(ids))
			})
			waitDatums(ctx, t, cw, "the publisher's gauges", func(ds []cloudwatchtest.Datum) bool {
				return sumValues(ds, "QueueBacklogPerWorker", nil) >= 0 && countNamed(ds, "QueueBacklogPerWorker") > 0
			})

			ds := cw.Datums()
			byNames, byValues := arrivedDatums(ds)
			for _, r := range refs {
				if p := checkRefArrived(r, byNames, byValues); p != "" {
					t.Error(p)
				}
			}
			for _, want := range []string{
				datumKey("WorkerJobDuration", nil), datumKey("WorkerJobsCompleted", nil), datumKey("WorkerErrors", nil),
				datumKey("WorkerJobDuration", []string{"Status", "Method"}), datumKey("WorkerErrors", []string{"ErrorType"}),
			} {
				if !byNames[want] {
					t.Errorf("no datum of %s arrived", want)
				}
			}
			if got := sumValues(ds, "WorkerErrors", nil); got != e2eMissing {
				t.Errorf("the rollup of WorkerErrors sums to %v, want %d", got, e2eMissing)
			}
			for _, d := range metrics.Table {
				if d.CloudWatchName == "" {
					continue
				}
				perWorker := byNames[datumKey(d.CloudWatchName, []string{metrics.WorkerIDDimension})]
				if want := workerID && d.PerWorker; perWorker != want {
					t.Errorf("%s under {WorkerId}: arrived %v, want %v", d.CloudWatchName, perWorker, want)
				}
			}
			for _, d := range ds {
				for _, dim := range d.Dimensions {
					if dim.Name == metrics.WorkerIDDimension && (!workerID || len(d.Dimensions) != 1 || strings.HasPrefix(d.MetricName, "Queue")) {
						t.Errorf("%s arrived with dimensions %v", d.MetricName, d.Dimensions)
					}
				}
			}
			if workerID {
				return
			}

			// The publisher dies; the worker lives on.
			pub.stop(30 * time.Second)
			cw.Reset()
			waitDatums(ctx, t, cw, "the worker's heartbeats after the publisher stopped", func(ds []cloudwatchtest.Datum) bool {
				return countNamed(ds, "WorkerHeartbeat") >= 3
			})
			for _, d := range cw.Datums() {
				if strings.HasPrefix(d.MetricName, "Queue") {
					t.Errorf("%s arrived after the publisher stopped", d.MetricName)
				}
			}
		})
	}
}

// waitDatums polls the fake CloudWatch until ok holds for what arrived.
func waitDatums(ctx context.Context, t *testing.T, cw *cloudwatchtest.Server, what string, ok func([]cloudwatchtest.Datum) bool) {
	t.Helper()
	for !ok(cw.Datums()) {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// sumValues sums the values of the datums of name with exactly dims
// (dimension names, in any order).
func sumValues(ds []cloudwatchtest.Datum, name string, dims []string) float64 {
	var sum float64
	for _, d := range ds {
		var names []string
		for _, dim := range d.Dimensions {
			names = append(names, dim.Name)
		}
		if d.MetricName != name || datumKey(name, names) != datumKey(name, dims) {
			continue
		}
		switch {
		case d.Value != nil:
			sum += *d.Value
		case d.StatisticValues != nil:
			sum += d.StatisticValues.Sum
		default:
			for i, v := range d.Values {
				c := 1.0
				if i < len(d.Counts) {
					c = d.Counts[i]
				}
				sum += v * c
			}
		}
	}
	return sum
}

func countNamed(ds []cloudwatchtest.Datum, name string) int {
	n := 0
	for _, d := range ds {
		if d.MetricName == name {
			n++
		}
	}
	return n
}
