package deploy

import (
	"bytes"
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// healthCommand is the health check of both images and the ECS task.
var healthCommand = []string{"CMD", "/usr/local/bin/crawler", "healthcheck"}

// TestImageHealthChecks: both images check health with the crawler itself
// (exec form, no shell, no curl installed), with a timeout above the
// command's own 2 s so its reason is what gets recorded.
func TestImageHealthChecks(t *testing.T) {
	t.Parallel()
	ast, err := parser.Parse(bytes.NewReader(readRepoFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]*instructions.HealthCheckCommand{}
	for _, st := range stages {
		if hc, ok := checks[st.BaseName]; ok {
			checks[st.Name] = hc // inherited from the stage it is built on
		}
		for _, cmd := range st.Commands {
			switch c := cmd.(type) {
			case *instructions.HealthCheckCommand:
				checks[st.Name] = c
			case *instructions.RunCommand:
				if regexp.MustCompile(`\bcurl\b`).MatchString(strings.Join(c.CmdLine, " ")) {
					t.Errorf("stage %s: %s: the images need no curl", st.Name, c.String())
				}
			}
		}
	}
	for _, image := range []string{"service", "worker"} {
		hc := checks[image]
		if hc == nil {
			t.Errorf("image %s has no HEALTHCHECK", image)
			continue
		}
		if !slices.Equal(hc.Health.Test, healthCommand) {
			t.Errorf("image %s: HEALTHCHECK %q, want %q", image, hc.Health.Test, healthCommand)
		}
		if hc.Health.Timeout <= 2*time.Second {
			t.Errorf("image %s: HEALTHCHECK --timeout=%s, want more than the command's 2 s", image, hc.Health.Timeout)
		}
	}
}

// TestECSHealthCheck: the worker task checks health with the same command,
// against the METRICS_ADDR it sets (the worker exports EMF, so nothing else
// would open that port), and chooses its awslogs mode explicitly.
func TestECSHealthCheck(t *testing.T) {
	t.Parallel()
	var td struct {
		Containers []struct {
			Name        string `json:"name"`
			Environment []struct {
				Name, Value string
			} `json:"environment"`
			HealthCheck *struct {
				Command     []string `json:"command"`
				Interval    int      `json:"interval"`
				Timeout     int      `json:"timeout"`
				Retries     int      `json:"retries"`
				StartPeriod int      `json:"startPeriod"`
			} `json:"healthCheck"`
			Log struct {
				Options map[string]string `json:"options"`
			} `json:"logConfiguration"`
		} `json:"containerDefinitions"`
	}
	if err := json.Unmarshal(readRepoFile(t, "deploy/ecs/task-definition.json"), &td); err != nil {
		t.Fatal(err)
	}
	readme := string(readRepoFile(t, "deploy/README.md"))
	for _, c := range td.Containers {
		hc := c.HealthCheck
		switch {
		case hc == nil:
			t.Errorf("container %s: no healthCheck", c.Name)
			continue
		case !slices.Equal(hc.Command, healthCommand):
			t.Errorf("container %s: healthCheck command %q, want %q", c.Name, hc.Command, healthCommand)
		case hc.Interval < 5 || hc.Timeout <= 2 || hc.Timeout >= hc.Interval || hc.Retries < 1 || hc.StartPeriod < 1:
			t.Errorf("container %s: healthCheck %+v: want interval ≥ 5, 2 < timeout < interval, retries and startPeriod set", c.Name, *hc)
		}
		env := map[string]string{}
		for _, e := range c.Environment {
			env[e.Name] = e.Value
		}
		_, metricsPort, err := net.SplitHostPort(env["METRICS_ADDR"])
		if err != nil {
			t.Errorf("container %s: METRICS_ADDR %q: the health check needs it set (%v)", c.Name, env["METRICS_ADDR"], err)
		}
		u, err := url.Parse(env["HEALTHCHECK_URL"])
		if err != nil || u.Port() != metricsPort || u.Path != "/healthz" {
			t.Errorf("container %s: HEALTHCHECK_URL %q does not name /healthz on METRICS_ADDR %q", c.Name, env["HEALTHCHECK_URL"], env["METRICS_ADDR"])
		}
		mode := c.Log.Options["mode"]
		if mode != "blocking" && mode != "non-blocking" {
			t.Errorf("container %s: awslogs mode %q: choose blocking or non-blocking explicitly", c.Name, mode)
		}
		if !strings.Contains(readme, "`mode: "+mode+"`") {
			t.Errorf("deploy/README.md does not explain the awslogs mode %q", mode)
		}
	}
}
