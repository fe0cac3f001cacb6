package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/crawler-service/crawler/internal/metrics"
)

// cwDashboardGlob are the Grafana dashboards on the CloudWatch datasource
// (the ECS fleet); dashboardGlob's run against Prometheus in the e2e test.
const cwDashboardGlob = "deploy/grafana/cloudwatch-dashboards/*.json"

// cwNamespaceDefault is CLOUDWATCH_NAMESPACE's default (docs/configuration.md).
const cwNamespaceDefault = "CrawlerService"

// cwPanelTarget is one Grafana CloudWatch metric query.
type cwPanelTarget struct {
	Panel      string
	RefID      string `json:"refId"`
	Datasource struct{ Type, UID string }
	Namespace  string            `json:"namespace"`
	MetricName string            `json:"metricName"`
	Dimensions map[string]string `json:"dimensions"`
	Statistic  string            `json:"statistic"`
	QueryMode  string            `json:"queryMode"`
}

type cwDashboard struct {
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	targets []cwPanelTarget
}

func parseCWDashboard(body []byte) (cwDashboard, error) {
	var d cwDashboard
	var raw struct {
		Panels []cwGrafanaPanel `json:"panels"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return d, err
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return d, err
	}
	var walk func([]cwGrafanaPanel)
	walk = func(ps []cwGrafanaPanel) {
		for _, p := range ps {
			walk(p.Panels)
			for _, tg := range p.Targets {
				tg.Panel = p.Title
				d.targets = append(d.targets, tg)
			}
		}
	}
	walk(raw.Panels)
	return d, nil
}

type cwGrafanaPanel struct {
	Title   string           `json:"title"`
	Panels  []cwGrafanaPanel `json:"panels"`
	Targets []cwPanelTarget  `json:"targets"`
}

var cwStatistic = regexp.MustCompile(`^(Sum|Average|Maximum|Minimum|SampleCount|p\d{1,2}(\.\d+)?)$`)

// cwDashboardProblems holds every CloudWatch query of a Grafana dashboard to
// the metrics table: a published name, exactly one of its dimension sets
// (the dimensionless rollup included), values the dimension takes ("*" for
// all), and the crawler's namespace. It also returns which (name, set)
// pairs the dashboard charts.
func cwDashboardProblems(k known, rel string, body []byte) (map[string]bool, []string) {
	d, err := parseCWDashboard(body)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", rel, err)}
	}
	namespaceVar := ""
	for _, v := range d.Templating.List {
		if v.Name == "namespace" {
			namespaceVar = v.Query
		}
	}
	charted := map[string]bool{}
	var problems []string
	for _, tg := range d.targets {
		where := fmt.Sprintf("%s panel %q %s", rel, tg.Panel, tg.RefID)
		bad := func(format string, args ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, args...)) }
		if tg.Datasource.Type != "cloudwatch" || tg.Datasource.UID != "cloudwatch" {
			bad("datasource %+v, want the provisioned CloudWatch (uid cloudwatch)", tg.Datasource)
		}
		if tg.QueryMode != "Metrics" {
			bad("queryMode %q: only metric queries are checked", tg.QueryMode)
			continue
		}
		ns := tg.Namespace
		if ns == "$namespace" {
			ns = namespaceVar
		}
		if ns != cwNamespaceDefault {
			bad("namespace %q (variable default %q), want %s or $namespace", tg.Namespace, namespaceVar, cwNamespaceDefault)
		}
		def, ok := k.cw[tg.MetricName]
		if !ok {
			bad("metric %q is not in the metrics table", tg.MetricName)
			continue
		}
		dims := slices.Sorted(maps.Keys(tg.Dimensions))
		if !dimensionSetOK(def, dims) {
			bad("%s with dimensions %v matches no published dimension set of the table %v", tg.MetricName, dims, def.DimensionSets)
		}
		for dim, v := range tg.Dimensions {
			if v != "*" && !slices.Contains(k.dims[dim], v) {
				bad("%s=%q is not a value of %s (%v)", dim, v, dim, k.dims[dim])
			}
		}
		if !cwStatistic.MatchString(tg.Statistic) {
			bad("statistic %q", tg.Statistic)
		}
		if strings.HasPrefix(tg.Statistic, "p") && def.Kind != metrics.Histogram {
			bad("percentile %s of %s, which is not a distribution", tg.Statistic, tg.MetricName)
		}
		charted[tg.MetricName+"/"+strings.Join(dims, ",")] = true
	}
	return charted, problems
}

// TestCloudWatchPanelsInTable checks the CloudWatch dashboards against the
// table, and that they chart every queue gauge, every worker metric, and the
// fleet-wide rollups (no dimensions) of the worker metrics that have them.
func TestCloudWatchPanelsInTable(t *testing.T) {
	t.Parallel()
	k := knownNames(t)
	paths, _ := filepath.Glob(repoPath(t, cwDashboardGlob))
	if len(paths) == 0 {
		t.Fatalf("no dashboard matches %s", cwDashboardGlob)
	}
	charted := map[string]bool{}
	for _, path := range paths {
		rel, _ := filepath.Rel(repoRoot(t), path)
		c, problems := cwDashboardProblems(k, filepath.ToSlash(rel), readFile(t, path))
		for _, p := range problems {
			t.Error(p)
		}
		maps.Copy(charted, c)
	}
	for _, d := range metrics.Table {
		if d.CloudWatchName == "" || (d.From != "metric-publisher" && !d.PerWorker) {
			continue
		}
		if !slices.ContainsFunc(slices.Collect(maps.Keys(charted)), func(c string) bool { return strings.HasPrefix(c, d.CloudWatchName+"/") }) {
			t.Errorf("no CloudWatch panel charts %s", d.CloudWatchName)
		}
	}
	for _, name := range []string{"WorkerJobDuration", "WorkerJobsCompleted", "WorkerErrors"} {
		if !charted[name+"/"] {
			t.Errorf("no CloudWatch panel charts the fleet-wide %s (no dimensions)", name)
		}
		if !dimensionSetOK(k.cw[name], nil) {
			t.Errorf("the table publishes no dimensionless rollup of %s: its fleet panel would get no data", name)
		}
	}
}

// TestCloudWatchPanelsCatchBrokenCopies shows the check failing on a
// dashboard that names an unpublished metric, misses a dimension, or uses a
// value the table does not have.
func TestCloudWatchPanelsCatchBrokenCopies(t *testing.T) {
	t.Parallel()
	k := knownNames(t)
	rel := "deploy/grafana/cloudwatch-dashboards/ecs-fleet.json"
	orig := string(readRepoFile(t, rel))
	for _, tc := range []struct{ old, new, want string }{
		{`"metricName": "QueueBacklogPerWorker"`, `"metricName": "BacklogPerWorker"`, `"BacklogPerWorker" is not in the metrics table`},
		{`"Status": "success",` + "\n" + `            "Method": "http"`, `"Status": "success"`, "matches no published dimension set"},
		{`"Method": "browser"`, `"Method": "chrome"`, `Method="chrome"`},
		{`"namespace": "$namespace"`, `"namespace": "AWS/ECS"`, `namespace "AWS/ECS"`},
	} {
		if !strings.Contains(orig, tc.old) {
			t.Fatalf("%s no longer contains %q: update the broken case", rel, tc.old)
		}
		_, problems := cwDashboardProblems(k, rel, []byte(strings.Replace(orig, tc.old, tc.new, 1)))
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
			t.Errorf("%q → %q: problems %q, want one mentioning %s", tc.old, tc.new, problems, tc.want)
		}
	}
}

// TestGrafanaOnEC2 checks the EC2 host's Grafana: the local stack's
// provisioning and dashboards mounted the same way, reachable on loopback
// only (an SSH tunnel), the CloudWatch datasource provisioned with the
// region from the environment and the instance role's credentials; and
// that Prometheus and Alertmanager stay on loopback too.
func TestGrafanaOnEC2(t *testing.T) {
	t.Parallel()
	local, ec2 := loadCompose(t, "docker-compose.yaml"), loadCompose(t, "docker-compose.ec2.yaml")
	binds := func(s types.ServiceConfig) []string {
		var out []string
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				out = append(out, v.Source+":"+v.Target)
			}
		}
		slices.Sort(out)
		return out
	}
	g, ok := ec2.Services["grafana"]
	if !ok {
		t.Fatal("docker-compose.ec2.yaml has no grafana service")
	}
	// The local stack adds only Tempo's datasource: the EC2 host has no
	// trace store.
	localBinds := slices.DeleteFunc(binds(local.Services["grafana"]), func(b string) bool {
		return strings.HasSuffix(b, ":/etc/grafana/provisioning/datasources/tempo.yaml")
	})
	if got, want := binds(g), localBinds; !slices.Equal(got, want) || len(got) < 3 {
		t.Errorf("EC2 grafana mounts %v, the local stack's %v: they must share the provisioning", got, want)
	}
	if g.Image != local.Services["grafana"].Image {
		t.Errorf("EC2 grafana image %s, local %s", g.Image, local.Services["grafana"].Image)
	}
	if v := g.Environment["AWS_REGION"]; v == nil || *v == "" {
		t.Error("EC2 grafana has no AWS_REGION for the CloudWatch datasource")
	}
	for _, name := range []string{"grafana", "prometheus", "alertmanager"} {
		s := ec2.Services[name]
		if len(s.Ports) == 0 {
			t.Errorf("EC2 %s publishes no port to tunnel to", name)
		}
		for _, p := range s.Ports {
			if p.HostIP != "127.0.0.1" {
				t.Errorf("EC2 %s publishes %s:%s: bind it to 127.0.0.1 (reached by SSH tunnel)", name, p.HostIP, p.Published)
			}
		}
	}

	var ds struct {
		Datasources []struct {
			Name, UID, Type string
			JSONData        map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	uids := map[string]string{}
	dsFiles, _ := filepath.Glob(repoPath(t, "deploy/grafana/provisioning/datasources/*.yaml"))
	for _, path := range dsFiles {
		if err := yaml.Unmarshal(readFile(t, path), &ds); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, d := range ds.Datasources {
			uids[d.UID] = d.Type
			if d.Type != "cloudwatch" {
				continue
			}
			if d.JSONData["authType"] != "default" {
				t.Errorf("CloudWatch datasource authType %v, want default (the instance role through the SDK's chain)", d.JSONData["authType"])
			}
			if d.JSONData["defaultRegion"] != "${AWS_REGION}" {
				t.Errorf("CloudWatch datasource defaultRegion %v, want ${AWS_REGION}", d.JSONData["defaultRegion"])
			}
		}
	}
	if uids["prometheus"] != "prometheus" || uids["cloudwatch"] != "cloudwatch" {
		t.Errorf("provisioned datasources %v, want uid prometheus and uid cloudwatch beside it", uids)
	}
}
