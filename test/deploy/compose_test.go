package deploy

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// composeEnv fills the variables docker-compose.ec2.yaml requires.
var composeEnv = []string{
	"REDIS_URL=rediss://redis.example:6379/0", "API_TOKEN=t", "AWS_REGION=eu-west-1",
	"ALERT_WEBHOOK_URL=https://alerts.example/hook", "GRAFANA_ADMIN_PASSWORD=p",
	"CRAWLER_IMAGE=123456789012.dkr.ecr.eu-west-1.amazonaws.com/crawler", "CRAWLER_VERSION=v1.0.0",
}

func loadCompose(t *testing.T, file string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, file)},
		cli.WithWorkingDirectory(root), cli.WithEnv(composeEnv), cli.WithName("crawler-test"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("compose-go cannot load %s: %v", file, err)
	}
	return p
}

// TestComposeFiles loads both compose files with compose-go and checks
// what they must hold: the services of the issue, crawler processes that
// exist, documented variables, valid exporter lists, build targets the
// Dockerfile has, and mounted files that exist.
func TestComposeFiles(t *testing.T) {
	t.Parallel()
	stages := dockerfileStages(t)
	documented := documentedVariables(repoRoot(t))
	for _, tc := range []struct {
		file      string
		services  []string
		exporters string // every crawler process's OTEL_METRICS_EXPORTER
		workers   int
	}{
		{"docker-compose.yaml", []string{"redis", "collector", "prometheus", "alertmanager", "grafana", "site", "api", "worker", "scheduler", "metric-publisher"}, "otlp,emf", 2},
		{"docker-compose.ec2.yaml", []string{"prometheus", "alertmanager", "grafana", "api", "worker", "scheduler", "metric-publisher"}, "prometheus,cloudwatch", 2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			p := loadCompose(t, tc.file)
			for _, name := range tc.services {
				if _, ok := p.Services[name]; !ok {
					t.Errorf("no service %q (have %v)", name, p.ServiceNames())
				}
			}
			crawlers := 0
			for name, s := range p.Services {
				for _, v := range s.Volumes {
					if v.Type == types.VolumeTypeBind && !fileExists(v.Source) {
						t.Errorf("service %s mounts %s, which does not exist", name, v.Source)
					}
				}
				if !strings.HasPrefix(s.Image, "crawler") && !strings.Contains(s.Image, "/crawler") && !strings.HasPrefix(s.Image, "${") {
					continue
				}
				crawlers++
				where := tc.file + " service " + name
				for _, problem := range processProblems(where, s.Command) {
					t.Error(problem)
				}
				env := map[string]string{}
				for k, v := range s.Environment {
					if v != nil {
						env[k] = *v
					}
				}
				for _, problem := range envProblems(where, documented, env) {
					t.Error(problem)
				}
				if env["OTEL_METRICS_EXPORTER"] != tc.exporters {
					t.Errorf("%s: OTEL_METRICS_EXPORTER=%q, want %q", where, env["OTEL_METRICS_EXPORTER"], tc.exporters)
				}
				if s.Build != nil && !slices.Contains(stages, s.Build.Target) {
					t.Errorf("%s: build target %q is not a Dockerfile stage %v", where, s.Build.Target, stages)
				}
			}
			if crawlers != 4 {
				t.Errorf("%d crawler services, want api, worker, scheduler and metric-publisher", crawlers)
			}
			if w := p.Services["worker"]; w.Deploy == nil || w.Deploy.Replicas == nil || *w.Deploy.Replicas != tc.workers {
				t.Errorf("worker replicas: %+v, want %d", w.Deploy, tc.workers)
			}
		})
	}
}

// TestDockerfile checks the Dockerfile's promises: a small service image and
// a worker image, both non-root under tini with a healthcheck, the
// Playwright driver of the version scripts/install-browser.sh pins, and the
// Go version of go.mod.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := string(readRepoFile(t, "Dockerfile"))
	stages := dockerfileStages(t)
	for _, want := range []string{"build", "driver", "service", "worker"} {
		if !slices.Contains(stages, want) {
			t.Errorf("no stage %q (have %v)", want, stages)
		}
	}
	for _, want := range []string{
		"USER 10001:10001", "HEALTHCHECK ", `ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/crawler"]`,
		"CGO_ENABLED=0", "chromium", "PLAYWRIGHT_DRIVER_PATH=/opt/playwright-driver",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if i := strings.LastIndex(df, "\nUSER "); i < 0 || strings.HasPrefix(df[i:], "\nUSER root") {
		t.Error("the last image's user is root")
	}
	pin := regexp.MustCompile(`(?m)^PLAYWRIGHT_VERSION=(\S+)`).FindStringSubmatch(string(readRepoFile(t, "scripts/install-browser.sh")))
	arg := regexp.MustCompile(`(?m)^ARG PLAYWRIGHT_VERSION=(\S+)`).FindStringSubmatch(df)
	if pin == nil || arg == nil || pin[1] != arg[1] {
		t.Errorf("Playwright driver: Dockerfile %v, scripts/install-browser.sh %v: they must agree", arg, pin)
	}
	goMod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(readRepoFile(t, "go.mod")))
	goArg := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)`).FindStringSubmatch(df)
	if goMod == nil || goArg == nil || goMod[1] != goArg[1] {
		t.Errorf("Go version: Dockerfile %v, go.mod %v: they must agree", goArg, goMod)
	}
}

func dockerfileStages(t *testing.T) []string {
	t.Helper()
	var stages []string
	for _, m := range regexp.MustCompile(`(?m)^FROM \S+ AS (\S+)`).FindAllStringSubmatch(string(readRepoFile(t, "Dockerfile")), -1) {
		stages = append(stages, m[1])
	}
	return stages
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestEC2ScrapeTargets: the EC2 host's Prometheus scrapes each crawler
// service on the port where that service serves /metrics: METRICS_ADDR, or
// its default (the API's address for api, :9464 for the others).
func TestEC2ScrapeTargets(t *testing.T) {
	t.Parallel()
	p := loadCompose(t, "docker-compose.ec2.yaml")
	var prom struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
			DNSSDConfigs []struct {
				Port int `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "deploy/prometheus/prometheus.ec2.yaml"), &prom); err != nil {
		t.Fatal(err)
	}
	scraped := map[string][]string{} // job → ports
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				_, port, _ := net.SplitHostPort(target)
				scraped[sc.JobName] = append(scraped[sc.JobName], port)
			}
		}
		for _, d := range sc.DNSSDConfigs {
			scraped[sc.JobName] = append(scraped[sc.JobName], strconv.Itoa(d.Port))
		}
	}
	for _, name := range []string{"api", "worker", "scheduler", "metric-publisher"} {
		env := p.Services[name].Environment
		addr := ":9464"
		if name == "api" {
			addr = ":8080"
			if v := env["API_ADDR"]; v != nil {
				addr = *v
			}
		}
		if v := env["METRICS_ADDR"]; v != nil {
			addr = *v
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("%s: metrics address %q: %v", name, addr, err)
		}
		if got := scraped["crawler-"+name]; len(got) != 1 || got[0] != port {
			t.Errorf("Prometheus job crawler-%s scrapes ports %v; the service serves /metrics on %s", name, got, port)
		}
	}
}
