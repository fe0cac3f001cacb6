package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// collectorBuildTimeout bounds scripts/build-otelcol.sh. A first build on a
// busy 2-core machine takes many minutes; later runs reuse the cached binary
// at once. scripts/test.sh gives go test 45 minutes in all.
const collectorBuildTimeout = 40 * time.Minute

// buildCollector builds (or reuses) the collector and returns its path.
func buildCollector(t *testing.T) string {
	t.Helper()
	lookPath(t, "go", "see https://go.dev/doc/install") // the builder compiles with it
	ctx, cancel := context.WithTimeout(t.Context(), collectorBuildTimeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", repoPath(t, "scripts/build-otelcol.sh"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("scripts/build-otelcol.sh: %v\n%s", err, tailLines(stderr.String(), 60))
	}
	bin := strings.TrimSpace(stdout.String())
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("scripts/build-otelcol.sh printed %q: %v", bin, err)
	}
	t.Logf("collector %s ready in %v", bin, time.Since(start).Round(time.Second))
	return bin
}

// collector is a running OpenTelemetry Collector.
type collector struct {
	otlpHTTP   string // host:port of the OTLP/HTTP receiver
	prometheus string // host:port of the Prometheus exporter
}

// startCollector runs bin with the repository's collector-config.yaml,
// every address moved to a free loopback port through the config's
// ${env:...} defaults, and env added to its environment.
func startCollector(t *testing.T, bin string, env ...string) collector {
	t.Helper()
	c := collector{
		otlpHTTP:   fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		prometheus: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
	}
	telemetry := freePort(t)
	p := startProc(t, "otelcol", bin, []string{"--config", repoPath(t, "collector-config.yaml")}, append([]string{
		fmt.Sprintf("OTLP_GRPC_ENDPOINT=127.0.0.1:%d", freePort(t)),
		"OTLP_HTTP_ENDPOINT=" + c.otlpHTTP,
		"PROMETHEUS_EXPORTER_ENDPOINT=" + c.prometheus,
		"COLLECTOR_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("COLLECTOR_TELEMETRY_PORT=%d", telemetry),
		"DEPLOYMENT_ENVIRONMENT=test",
	}, env...))
	waitHTTP(t, p, "http://"+c.prometheus+"/metrics", time.Minute)
	waitHTTP(t, p, fmt.Sprintf("http://127.0.0.1:%d/metrics", telemetry), time.Minute)
	return c
}

// startPrometheus runs Debian's Prometheus with the repository's
// deploy/prometheus/prometheus.yaml, its scrape target moved to target and
// its intervals to one second, and returns its base URL.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	bin := lookPath(t, "prometheus", "apt-get install -y prometheus")
	cfg := rewrite(t, string(readRepoFile(t, "deploy/prometheus/prometheus.yaml")), map[string]string{
		`"collector:8889"`:         fmt.Sprintf("%q", target),
		"scrape_interval: 15s":     "scrape_interval: 1s",
		"evaluation_interval: 15s": "evaluation_interval: 1s",
		"- alerts.yaml":            "- " + repoPath(t, "deploy/prometheus/alerts.yaml"),
		"- scrape.local.yaml":      "- " + repoPath(t, "deploy/prometheus/scrape.local.yaml"),
		// No Alertmanager here: a loopback port nobody serves, so nothing
		// leaves the machine (alertmanager_test.go runs one).
		`"alertmanager:9093"`: fmt.Sprintf(`"127.0.0.1:%d"`, freePort(t)),
	})
	return runPrometheus(t, bin, t.TempDir(), cfg)
}

// rewrite replaces each key of subs in s, failing when one is absent: a
// change to the file the test runs must not silently defeat the rewrite.
func rewrite(t *testing.T, s string, subs map[string]string) string {
	t.Helper()
	for old, repl := range subs {
		if !strings.Contains(s, old) {
			t.Fatalf("rewrite: %q not found in\n%s", old, s)
		}
		s = strings.ReplaceAll(s, old, repl)
	}
	return s
}

// buildCrawler compiles cmd/crawler into a temporary directory.
func buildCrawler(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "crawler")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-tags", "grpcnotrace", "-o", bin, "./cmd/crawler")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/crawler: %v\n%s", err, out)
	}
	return bin
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
