package deploy

import (
	"path"
	"regexp"
	"slices"
	"testing"

	"go.yaml.in/yaml/v4"
)

// promConfig is the part of a Prometheus configuration these tests read.
type promConfig struct {
	RuleFiles []string `yaml:"rule_files"`
	Alerting  struct {
		Alertmanagers []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"alertmanagers"`
	} `yaml:"alerting"`
	ScrapeConfigs []struct {
		JobName string `yaml:"job_name"`
	} `yaml:"scrape_configs"`
}

// ruleFile is a Prometheus rule file.
type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// prometheusSetups pairs each Prometheus configuration with the compose file
// that runs it.
var prometheusSetups = []struct{ config, compose string }{
	{"deploy/prometheus/prometheus.yaml", "docker-compose.yaml"},
	{"deploy/prometheus/prometheus.ec2.yaml", "docker-compose.ec2.yaml"},
}

func readPromConfig(t *testing.T, rel string) promConfig {
	t.Helper()
	var c promConfig
	if err := yaml.Unmarshal(readRepoFile(t, rel), &c); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return c
}

func readRuleFile(t *testing.T, rel string) ruleFile {
	t.Helper()
	var f ruleFile
	if err := yaml.Unmarshal(readRepoFile(t, rel), &f); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return f
}

// absentJob finds the jobs an expression watches with absent(up{job="..."}).
var absentJob = regexp.MustCompile(`absent\(\s*up\s*\{\s*job\s*=\s*"([^"]+)"\s*\}\s*\)`)

// TestEveryScrapeJobWatched holds each Prometheus configuration to the issue's
// promise that no source of metrics dies unseen: it loads alerts.yaml (with
// the rule on up == 0 and the one on the queue gauges going stale), every
// scrape job has an absent(up{job=...}) rule in the rule files it loads, no
// such rule names a job the configuration lacks, alerts go to the
// Alertmanager of its compose file, and the compose file mounts each rule
// file where the configuration looks for it.
func TestEveryScrapeJobWatched(t *testing.T) {
	t.Parallel()
	for _, s := range prometheusSetups {
		t.Run(path.Base(s.config), func(t *testing.T) {
			t.Parallel()
			cfg := readPromConfig(t, s.config)
			if !slices.Contains(cfg.RuleFiles, "alerts.yaml") {
				t.Errorf("rule_files %v lacks alerts.yaml", cfg.RuleFiles)
			}
			alerts := map[string]bool{}
			watched := map[string]bool{}
			for _, rf := range cfg.RuleFiles {
				for _, g := range readRuleFile(t, "deploy/prometheus/"+rf).Groups {
					for _, r := range g.Rules {
						alerts[r.Alert] = true
						for _, m := range absentJob.FindAllStringSubmatch(r.Expr, -1) {
							watched[m[1]] = true
						}
					}
				}
			}
			for _, want := range []string{"CrawlerScrapeTargetDown", "CrawlerScrapeJobAbsent", "CrawlerQueueMetricsMissing"} {
				if !alerts[want] {
					t.Errorf("no rule file of %s defines %s", s.config, want)
				}
			}
			jobs := map[string]bool{}
			for _, sc := range cfg.ScrapeConfigs {
				jobs[sc.JobName] = true
				if !watched[sc.JobName] {
					t.Errorf("scrape job %q has no absent(up{job=%q}) rule in %v", sc.JobName, sc.JobName, cfg.RuleFiles)
				}
			}
			for job := range watched {
				if !jobs[job] {
					t.Errorf("a rule watches job %q, which %s does not scrape", job, s.config)
				}
			}

			p := loadCompose(t, s.compose)
			var targets []string
			for _, am := range cfg.Alerting.Alertmanagers {
				for _, sc := range am.StaticConfigs {
					targets = append(targets, sc.Targets...)
				}
			}
			if _, ok := p.Services["alertmanager"]; !ok || !slices.Equal(targets, []string{"alertmanager:9093"}) {
				t.Errorf("alerting targets %v, want the alertmanager service of %s on 9093", targets, s.compose)
			}
			mounted := map[string]string{} // container path → repository path
			for _, v := range p.Services["prometheus"].Volumes {
				mounted[v.Target] = v.Source
			}
			for _, rf := range cfg.RuleFiles {
				if src, ok := mounted["/etc/prometheus/"+rf]; !ok || src != repoPath(t, "deploy/prometheus/"+rf) {
					t.Errorf("%s: prometheus does not mount deploy/prometheus/%s at /etc/prometheus/%s (mounts %v)", s.compose, rf, rf, mounted)
				}
			}
		})
	}
}
