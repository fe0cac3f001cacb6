package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeEnv fills the variables docker-compose.ec2.yaml requires.
var composeEnv = []string{
	"REDIS_URL=rediss://redis.example:6379/0", "API_TOKEN=t", "AWS_REGION=eu-west-1",
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
		{"docker-compose.yaml", []string{"redis", "collector", "prometheus", "grafana", "site", "api", "worker", "scheduler", "metric-publisher"}, "otlp,emf", 2},
		{"docker-compose.ec2.yaml", []string{"prometheus", "api", "worker", "scheduler", "metric-publisher"}, "prometheus,cloudwatch", 2},
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
