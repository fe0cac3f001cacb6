package deploy

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPromtool runs Prometheus's own checks on the configuration, the alert
// rules and their unit tests (deploy/prometheus/alerts_test.yaml).
func TestPromtool(t *testing.T) {
	t.Parallel()
	promtool := lookPath(t, "promtool", "apt-get install -y prometheus")
	dir := repoPath(t, "deploy/prometheus")
	for _, tc := range []struct {
		name string
		args []string
		want string // printed on success
	}{
		{"local config", []string{"check", "config", "prometheus.yaml"}, "SUCCESS"},
		{"ec2 config", []string{"check", "config", "prometheus.ec2.yaml"}, "SUCCESS"},
		{"rules", []string{"check", "rules", "alerts.yaml"}, "SUCCESS: 11 rules found"},
		{"local scrape rules", []string{"check", "rules", "scrape.local.yaml"}, "SUCCESS: 1 rules found"},
		{"ec2 scrape rules", []string{"check", "rules", "scrape.ec2.yaml"}, "SUCCESS: 1 rules found"},
		{"rule unit tests", []string{"test", "rules", "alerts_test.yaml"}, "SUCCESS"},
		{"local rule unit tests", []string{"test", "rules", "alerts_local_test.yaml"}, "SUCCESS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), promtool, tc.args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("promtool %s: %v\n%s", strings.Join(tc.args, " "), err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("promtool %s: output lacks %q:\n%s", strings.Join(tc.args, " "), tc.want, out)
			}
		})
	}
}
