package deploy

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// dashboardFiles are the provisioned Grafana dashboards.
const dashboardGlob = "deploy/grafana/dashboards/*.json"

// panelQuery is one Grafana target: the PromQL a panel runs.
type panelQuery struct {
	Dashboard, Panel, RefID, Expr string
}

func (q panelQuery) String() string {
	return fmt.Sprintf("%s / %q / %s", q.Dashboard, q.Panel, q.RefID)
}

type grafanaPanel struct {
	Type    string         `json:"type"`
	Title   string         `json:"title"`
	Panels  []grafanaPanel `json:"panels"` // a collapsed row keeps its panels here
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

// dashboardQueries reads every target of every panel of a dashboard file.
func dashboardQueries(t testing.TB, path string) []panelQuery {
	t.Helper()
	b := readFile(t, path)
	var d struct {
		Title  string         `json:"title"`
		UID    string         `json:"uid"`
		Panels []grafanaPanel `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if d.UID == "" || d.Title == "" {
		t.Fatalf("%s: a provisioned dashboard needs a uid and a title", path)
	}
	var out []panelQuery
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			walk(p.Panels)
			for _, tg := range p.Targets {
				out = append(out, panelQuery{Dashboard: filepath.Base(path), Panel: p.Title, RefID: tg.RefID, Expr: tg.Expr})
			}
		}
	}
	walk(d.Panels)
	return out
}

// grafanaVars are the values the tests give Grafana's built-in variables:
// windows wide enough for a run of a few seconds scraped every second.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$__interval", "5s",
	"$__range", "1h",
)

// expandGrafana turns a panel's PromQL into plain PromQL.
func expandGrafana(expr string) string { return grafanaVars.Replace(expr) }

func dashboardPaths(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(repoPath(t, dashboardGlob))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no dashboards match %s (err %v)", dashboardGlob, err)
	}
	return paths
}
