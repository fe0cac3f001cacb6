package deploy

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// checkedFiles are the files whose metric references the consistency test
// checks, by glob, with the least number of references each must hold (so a
// checker that silently stops finding anything fails too).
var checkedFiles = []struct {
	glob    string
	minRefs int
}{
	{"deploy/grafana/dashboards/*.json", 20},
	{"deploy/prometheus/alerts.yaml", 11},
	{"deploy/prometheus/scrape.*.yaml", 1},
	{"deploy/prometheus/alerts_test.yaml", 10},
	{"deploy/prometheus/alerts_local_test.yaml", 10},
	{"deploy/cloudwatch/dashboard.json", 20},
	{"deploy/cloudwatch/alarms.json", 5},
	{"deploy/cloudwatch/scaling-*.json", 1},
	{"deploy/cloudwatch/logs-insights/*.query", 1},
	{"deploy/terraform/*.tf", 0},
	{"deploy/collector-config.aws.yaml", 10},
	{"deploy/ecs/task-definition.json", 1},
}

// TestConsistency checks that every metric name, label and dimension the
// deployment files reference exists in internal/metrics' table (or among
// the exporters' health metrics), with a valid value.
func TestConsistency(t *testing.T) {
	t.Parallel()
	k := knownNames(t)
	root := repoRoot(t)
	for _, f := range checkedFiles {
		paths, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(f.glob)))
		if err != nil || len(paths) == 0 {
			t.Errorf("%s matches no file (err %v)", f.glob, err)
			continue
		}
		for _, path := range paths {
			rel, _ := filepath.Rel(root, path)
			t.Run(filepath.ToSlash(rel), func(t *testing.T) {
				t.Parallel()
				refs, problems := fileProblems(k, root, filepath.ToSlash(rel), readFile(t, path))
				for _, p := range problems {
					t.Error(p)
				}
				if refs < f.minRefs {
					t.Errorf("found %d references, want at least %d: has the checker stopped seeing them?", refs, f.minRefs)
				}
			})
		}
	}
}

// TestConsistencyCatchesBrokenFiles shows that the check fails on a
// deliberately broken copy of each kind of file.
func TestConsistencyCatchesBrokenFiles(t *testing.T) {
	t.Parallel()
	k := knownNames(t)
	root := repoRoot(t)
	for _, tc := range []struct {
		name, file, old, new, want string
	}{
		{"dashboard names a metric that does not exist", "deploy/grafana/dashboards/crawler.json",
			"max(crawler_queue_waiting)", "max(crawler_queue_waiting_jobs)", `metric "crawler_queue_waiting_jobs"`},
		{"dashboard uses an unknown label", "deploy/grafana/dashboards/crawler.json",
			"sum by (error_type)", "sum by (error_kind)", `label "error_kind"`},
		{"dashboard legend names an unknown label", "deploy/grafana/dashboards/crawler.json",
			`"{{error_type}}"`, `"{{errortype}}"`, `label "errortype"`},
		{"alert filters on a label of another metric", "deploy/prometheus/alerts.yaml",
			`crawler_worker_jobs_completed_total{crawler_job_status="failed"}`, `crawler_worker_jobs_completed_total{error_type="failed"}`, `label "error_type" is not an attribute`},
		{"alert uses a status that is never recorded", "deploy/prometheus/alerts.yaml",
			`crawler_job_status="failed"`, `crawler_job_status="error"`, `crawler_job_status="error"`},
		{"CloudWatch dashboard misses a dimension", "deploy/cloudwatch/dashboard.json",
			`"WorkerJobDuration", "Status", "success", "Method", "http",`, `"WorkerJobDuration", "Status", "success",`, "matches no published dimension set"},
		{"CloudWatch alarm names a metric that does not exist", "deploy/cloudwatch/alarms.json",
			`"QueueOldestJobAge"`, `"QueueOldestJobAgeSeconds"`, `"QueueOldestJobAgeSeconds" is not in the metrics table`},
		{"scaling tracks a metric in the wrong namespace", "deploy/cloudwatch/scaling-target-tracking.json",
			`"${namespace}"`, `"AWS/ECS"`, `namespace "AWS/ECS"`},
		{"Logs Insights query names an unknown field", "deploy/cloudwatch/logs-insights/errors-by-worker.query",
			"by WorkerId, ErrorType", "by WorkerId, ErrorKind", `"ErrorKind"`},
		{"Terraform scales on a metric that does not exist", "deploy/terraform/autoscaling.tf",
			`metric_name = "QueueBacklogPerWorker"`, `metric_name = "BacklogPerWorker"`, `"BacklogPerWorker" is not in the metrics table`},
		{"Terraform does not parse", "deploy/terraform/alarms.tf",
			`resource "aws_sns_topic" "alarms" {`, `resource "aws_sns_topic" "alarms" {{`, "deploy/terraform/alarms.tf"},
		{"AWS collector renames to an unpublished name", "deploy/collector-config.aws.yaml",
			"new_name: WorkerErrors", "new_name: WorkerErrorCount", `"WorkerErrorCount"`},
		{"task definition sets an unknown variable", "deploy/ecs/task-definition.json",
			`"WORKER_CONCURRENCY"`, `"WORKERS_CONCURRENCY"`, "WORKERS_CONCURRENCY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := string(readRepoFile(t, tc.file))
			if !strings.Contains(orig, tc.old) {
				t.Fatalf("%s no longer contains %q: update the broken case", tc.file, tc.old)
			}
			if _, problems := fileProblems(k, root, tc.file, []byte(orig)); len(problems) > 0 {
				t.Fatalf("the original %s already has problems: %v", tc.file, problems)
			}
			broken := strings.Replace(orig, tc.old, tc.new, 1)
			_, problems := fileProblems(k, root, tc.file, []byte(broken))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("broken %s: problems %q, want one mentioning %s", tc.file, problems, tc.want)
			}
		})
	}
}

// fileProblems checks one file, by its path relative to the repository
// root, and returns how many references it found and what is wrong.
func fileProblems(k known, root, rel string, body []byte) (int, []string) {
	switch {
	case strings.HasPrefix(rel, "deploy/grafana/dashboards/"):
		return grafanaProblems(k, rel, body)
	case rel == "deploy/prometheus/alerts.yaml" || strings.HasPrefix(rel, "deploy/prometheus/scrape."):
		return ruleProblems(k, rel, body)
	case strings.HasPrefix(rel, "deploy/prometheus/alerts") && strings.HasSuffix(rel, "_test.yaml"):
		return ruleTestProblems(k, rel, body)
	case rel == "deploy/cloudwatch/dashboard.json":
		refs, err := cwDashboardRefs(rel, body)
		return cwProblems(k, refs, err)
	case strings.HasPrefix(rel, "deploy/cloudwatch/") && strings.HasSuffix(rel, ".json"):
		refs, err := cwJSONRefs(rel, body)
		return cwProblems(k, refs, err)
	case strings.HasSuffix(rel, ".query"):
		return 1, checkLogsInsights(k, rel, string(body))
	case strings.HasSuffix(rel, ".tf"):
		return 0, checkTerraform(k, rel, filepath.Join(root, filepath.Dir(filepath.FromSlash(rel))), body)
	case rel == "deploy/collector-config.aws.yaml":
		return awsCollectorProblems(k, rel, body)
	case rel == "deploy/ecs/task-definition.json":
		return taskDefinitionProblems(root, rel, body)
	}
	return 0, []string{rel + ": no checker for this file"}
}

func grafanaProblems(k known, rel string, body []byte) (int, []string) {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RefID        string `json:"refId"`
				Expr         string `json:"expr"`
				LegendFormat string `json:"legendFormat"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return 0, []string{fmt.Sprintf("%s: %v", rel, err)}
	}
	n, problems := 0, []string(nil)
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			n++
			where := fmt.Sprintf("%s panel %q %s", rel, p.Title, tg.RefID)
			problems = append(problems, checkPromQL(k, where, expandGrafana(tg.Expr), tg.LegendFormat)...)
		}
	}
	return n, problems
}

func ruleProblems(k known, rel string, body []byte) (int, []string) {
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(body, &f); err != nil {
		return 0, []string{fmt.Sprintf("%s: %v", rel, err)}
	}
	n, problems := 0, []string(nil)
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			n++
			problems = append(problems, checkPromQL(k, fmt.Sprintf("%s alert %s", rel, r.Alert), r.Expr, "")...)
		}
	}
	return n, problems
}

// ruleTestProblems checks the series promtool's tests feed the rules: a
// test on a misspelt series would pass without testing anything.
func ruleTestProblems(k known, rel string, body []byte) (int, []string) {
	var f struct {
		Tests []struct {
			Name   string `yaml:"name"`
			Series []struct {
				Series string `yaml:"series"`
			} `yaml:"input_series"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(body, &f); err != nil {
		return 0, []string{fmt.Sprintf("%s: %v", rel, err)}
	}
	n, problems := 0, []string(nil)
	for _, tc := range f.Tests {
		for _, s := range tc.Series {
			n++
			problems = append(problems, checkPromQL(k, fmt.Sprintf("%s test %q", rel, tc.Name), s.Series, "")...)
		}
	}
	return n, problems
}

func cwProblems(k known, refs []cwRef, err error) (int, []string) {
	if err != nil {
		return 0, []string{err.Error()}
	}
	var problems []string
	for _, r := range refs {
		problems = append(problems, checkCWRef(k, r)...)
	}
	return len(refs), problems
}

// TestTemplatePlaceholdersFilled checks that every ${name} of the JSON
// files Terraform renders with templatefile is a variable Terraform passes
// (templatefile fails on a missing one only at plan time, which needs AWS).
func TestTemplatePlaceholdersFilled(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	var tf strings.Builder
	tfFiles, _ := filepath.Glob(filepath.Join(root, "deploy", "terraform", "*.tf"))
	for _, f := range tfFiles {
		tf.Write(readFile(t, f))
	}
	templates, _ := filepath.Glob(filepath.Join(root, "deploy", "cloudwatch", "*.json"))
	templates = append(templates, filepath.Join(root, "deploy", "ecs", "task-definition.json"))
	for _, path := range templates {
		rel, _ := filepath.Rel(root, path)
		if !strings.Contains(tf.String(), filepath.ToSlash(strings.TrimPrefix(rel, "deploy/"))) {
			t.Errorf("no Terraform file renders %s", rel)
		}
		for _, m := range regexp.MustCompile(`\$\{([a-z_]+)\}`).FindAllStringSubmatch(string(readFile(t, path)), -1) {
			if !regexp.MustCompile(`(?m)^\s*` + m[1] + `\s*=`).MatchString(tf.String()) {
				t.Errorf("%s uses ${%s}, which no Terraform templatefile call passes", rel, m[1])
			}
		}
	}
}
