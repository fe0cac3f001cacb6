package otel_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// TestWorkerIDSetBesideDefaults: a rule naming the resource dimension
// WorkerId in one of its sets gets a per-worker metric beside its default
// and dimensionless sets, in PutMetricData and in the dimension sets an EMF
// line declares; a rule that does not name it never carries it.
func TestWorkerIDSetBesideDefaults(t *testing.T) {
	t.Parallel()
	cfg, s := testConfig(t, "cloudwatch", "emf")
	rules := testRules()
	rules[1].DimensionSets = [][]string{{"Status"}, {}, {"WorkerId"}}
	cfg.CloudWatch.Rules = rules
	cfg.CloudWatch.ResourceDimensions = []cwmetric.Dimension{{Attribute: "service.instance.id", Name: "WorkerId"}}
	p := setup(t, cfg)
	w := newWorkload(t, p.MeterProvider())
	w.job(t.Context(), "success", "http", 0.5)
	flush(t, p)

	var sets []string
	for _, d := range s.cw.Datums() {
		var names []string
		for _, dim := range d.Dimensions {
			names = append(names, dim.Name+"="+dim.Value)
		}
		sets = append(sets, d.MetricName+"["+strings.Join(names, ",")+"]")
	}
	slices.Sort(sets)
	want := []string{
		"WorkerJobDuration[Status=success,Method=http]",
		"WorkerJobsCompleted[Status=success]", "WorkerJobsCompleted[WorkerId=worker-1]", "WorkerJobsCompleted[]",
	}
	if !slices.Equal(sets, want) {
		t.Errorf("PutMetricData datums %v, want %v", sets, want)
	}

	var declared [][]string
	for _, line := range strings.Split(strings.TrimSpace(s.emf.String()), "\n") {
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Dimensions [][]string
					Metrics    []struct{ Name string }
				}
			} `json:"_aws"`
			WorkerID string `json:"WorkerId"`
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("EMF line %q: %v", line, err)
		}
		for _, m := range doc.AWS.CloudWatchMetrics {
			if slices.ContainsFunc(m.Metrics, func(x struct{ Name string }) bool { return x.Name == "WorkerJobsCompleted" }) {
				declared = m.Dimensions
				if doc.WorkerID != "worker-1" {
					t.Errorf("EMF line without the WorkerId value: %s", line)
				}
			}
		}
	}
	if want := [][]string{{"Status"}, {}, {"WorkerId"}}; !slices.EqualFunc(declared, want, slices.Equal) {
		t.Errorf("EMF declares %v for WorkerJobsCompleted, want %v", declared, want)
	}
}
