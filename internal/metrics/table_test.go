package metrics

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/metrics.md from the table")

var (
	otelName       = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	cloudWatchName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,254}$`)
)

// TestTable checks the rules every row must keep: OpenTelemetry-style names,
// CloudWatch names and dimension sets that resolve to bounded attributes.
func TestTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	seenCW := map[string]bool{}
	for _, d := range Table {
		if !otelName.MatchString(d.Name) {
			t.Errorf("%s: not an OpenTelemetry-style name", d.Name)
		}
		if bytes.HasSuffix([]byte(d.Name), []byte("_total")) {
			t.Errorf("%s: the exporter adds _total itself", d.Name)
		}
		if seen[d.Name] {
			t.Errorf("%s: defined twice", d.Name)
		}
		seen[d.Name] = true
		if d.Unit == "" || d.Description == "" || d.From == "" {
			t.Errorf("%s: unit, description and process are required", d.Name)
		}
		if d.Kind == Histogram && len(d.Buckets) == 0 {
			t.Errorf("%s: a histogram needs explicit boundaries", d.Name)
		}
		for _, a := range d.Attributes {
			if len(a.Values) == 0 || a.CloudWatch == "" {
				t.Errorf("%s: attribute %s must list its values and CloudWatch name", d.Name, a.Key)
			}
		}
		if d.CloudWatchName == "" {
			if d.DimensionSets != nil {
				t.Errorf("%s: dimension sets without a CloudWatch name", d.Name)
			}
			continue
		}
		if !cloudWatchName.MatchString(d.CloudWatchName) || seenCW[d.CloudWatchName] {
			t.Errorf("%s: CloudWatch name %q invalid or duplicated", d.Name, d.CloudWatchName)
		}
		seenCW[d.CloudWatchName] = true
		for _, set := range d.DimensionSets {
			for _, dim := range set {
				if d.attributeByDimension(dim).CloudWatch != dim {
					t.Errorf("%s: dimension %s is not one of its attributes", d.Name, dim)
				}
			}
		}
	}
}

// TestProductMetricsCovered: every CloudWatch name of the published contract
// (docs/README.md) is in the table, with the default dimensions it gives.
func TestProductMetricsCovered(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"QueueWaitingJobs": "", "QueueActiveJobs": "", "QueueFailedJobs": "", "QueueDelayedJobs": "",
		"QueueOldestJobAge": "", "QueueBacklogPerWorker": "",
		"WorkerJobDuration": "[Status Method] []", "WorkerJobsCompleted": "[Status] []", "WorkerErrors": "[ErrorType] []",
		"WorkerHeartbeat": "",
		// Exporter health, beside the contract.
		"ExporterDatumsSent": "[Exporter]", "ExporterPointsDropped": "[] [Exporter]", "ExporterBuffered": "",
	}
	got := map[string]string{}
	for _, d := range Table {
		if d.CloudWatchName == "" {
			continue
		}
		var dims []string
		for _, s := range d.DimensionSets {
			dims = append(dims, fmt.Sprint(s))
		}
		got[d.CloudWatchName] = strings.Join(dims, " ")
	}
	for name, dims := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: missing from the table", name)
		} else if g != dims {
			t.Errorf("%s: dimensions %q, want %q", name, g, dims)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the table publishes %d CloudWatch metrics, the contract %d: %v", len(got), len(want), got)
	}
}

// TestDocsUpToDate fails when docs/metrics.md and the table drift apart.
func TestDocsUpToDate(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "docs", "metrics.md")
	want := Markdown(Table)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/metrics -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/metrics.md is stale: run go test ./internal/metrics -update")
	}
}

func TestCloudWatchCost(t *testing.T) {
	t.Parallel()
	// Defaults: 6 queue gauges + duration 2×2+1 + completed 2+1 + errors
	// 12+1 + heartbeat 1, and exporter health: sent 2, dropped 1+2,
	// buffered 1. WorkerId adds one set per worker metric and worker.
	const defaults = 6 + 5 + 3 + 13 + 1 + 2 + 3 + 1
	tests := []struct {
		workers  int
		workerID bool
		want     int
	}{
		{10, false, defaults}, {50, false, defaults},
		{10, true, defaults + 4*10}, {50, true, defaults + 4*50},
	}
	for _, tc := range tests {
		c := CloudWatchCost(Table, tc.workers, tc.workerID)
		if c.Metrics != tc.want {
			t.Errorf("workers=%d WorkerId=%v: %d metrics, want %d", tc.workers, tc.workerID, c.Metrics, tc.want)
		}
		if want := float64(tc.want) * 0.30; c.MonthlyUSD < want-1e-9 || c.MonthlyUSD > want+1e-9 {
			t.Errorf("workers=%d: $%v, want $%v", tc.workers, c.MonthlyUSD, want)
		}
	}
}
