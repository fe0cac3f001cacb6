package deploy

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// cwRef is one CloudWatch metric a file names, with its dimensions (a value
// is empty when the file leaves it open).
type cwRef struct {
	where, namespace, name string
	dims                   map[string]string
}

// namespacePlaceholder is how the CloudWatch JSON files name the namespace:
// Terraform's templatefile fills it (deploy/terraform), and so does sed for
// a deployment without Terraform.
const namespacePlaceholder = "${namespace}"

// checkCWRef returns what the metrics table does not know about r: the name,
// the exact dimension set (CloudWatch matches a metric only with all of its
// dimensions), dimension values, and a namespace other than the placeholder.
func checkCWRef(k known, r cwRef) []string {
	d, ok := k.cw[r.name]
	if !ok {
		return []string{fmt.Sprintf("%s: CloudWatch metric %q is not in the metrics table", r.where, r.name)}
	}
	var problems []string
	if r.namespace != namespacePlaceholder {
		problems = append(problems, fmt.Sprintf("%s: %s in namespace %q, want %q", r.where, r.name, r.namespace, namespacePlaceholder))
	}
	names := make([]string, 0, len(r.dims))
	for n, v := range r.dims {
		names = append(names, n)
		if values := k.dims[n]; v != "" && values != nil && !slices.Contains(values, v) {
			problems = append(problems, fmt.Sprintf("%s: %s %s=%q is not a value of %s (valid: %s)", r.where, r.name, n, v, n, strings.Join(values, ", ")))
		}
	}
	sort.Strings(names)
	if !dimensionSetOK(d, names) {
		problems = append(problems, fmt.Sprintf("%s: %s with dimensions %v matches no published dimension set %v", r.where, r.name, names, d.DimensionSets))
	}
	return problems
}

// cwDashboardRefs reads the metrics of a CloudWatch dashboard's widgets:
// [namespace, name, dim, value, ..., {options}], where "." repeats the
// element of the line before, and [{"expression": ...}] lines name none.
func cwDashboardRefs(where string, body []byte) ([]cwRef, error) {
	var d struct {
		Widgets []struct {
			Type       string `json:"type"`
			Properties struct {
				Title   string  `json:"title"`
				Metrics [][]any `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	var refs []cwRef
	for _, w := range d.Widgets {
		var prev []string
		for _, line := range w.Properties.Metrics {
			var strs []string
			for _, e := range line {
				if s, ok := e.(string); ok {
					strs = append(strs, s)
				}
			}
			if len(strs) == 0 {
				continue // an expression line
			}
			for i, s := range strs {
				if s == "." && i < len(prev) {
					strs[i] = prev[i]
				}
			}
			prev = strs
			if len(strs)%2 != 0 {
				return nil, fmt.Errorf("%s: widget %q: metric %v has a dimension without a value", where, w.Properties.Title, strs)
			}
			r := cwRef{where: fmt.Sprintf("%s widget %q", where, w.Properties.Title), namespace: strs[0], name: strs[1], dims: map[string]string{}}
			for i := 2; i+1 < len(strs); i += 2 {
				r.dims[strs[i]] = strs[i+1]
			}
			refs = append(refs, r)
		}
	}
	return refs, nil
}

// cwAPIMetric is a metric in the AWS APIs' shape (PutMetricAlarm,
// PutScalingPolicy).
type cwAPIMetric struct {
	Namespace  string `json:"Namespace"`
	MetricName string `json:"MetricName"`
	Dimensions []struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	} `json:"Dimensions"`
}

func (m cwAPIMetric) ref(where string) cwRef {
	r := cwRef{where: where, namespace: m.Namespace, name: m.MetricName, dims: map[string]string{}}
	for _, d := range m.Dimensions {
		r.dims[d.Name] = d.Value
	}
	return r
}

// cwAlarm is PutMetricAlarm's input, the parts that name metrics.
type cwAlarm struct {
	AlarmName string `json:"AlarmName"`
	cwAPIMetric
	Metrics []struct {
		ID         string `json:"Id"`
		Expression string `json:"Expression"`
		MetricStat *struct {
			Metric cwAPIMetric `json:"Metric"`
		} `json:"MetricStat"`
	} `json:"Metrics"`
}

func (a cwAlarm) refs(where string) []cwRef {
	where = fmt.Sprintf("%s alarm %q", where, a.AlarmName)
	if a.MetricName != "" {
		return []cwRef{a.cwAPIMetric.ref(where)}
	}
	var refs []cwRef
	for _, m := range a.Metrics {
		if m.MetricStat != nil {
			refs = append(refs, m.MetricStat.Metric.ref(where))
		}
	}
	return refs
}

// cwAlarmRefs reads alarms.json (a list of alarms) and scaling-step.json
// (policies and their alarms), and scaling-target-tracking.json.
func cwJSONRefs(where string, body []byte) ([]cwRef, error) {
	var refs []cwRef
	if strings.HasPrefix(strings.TrimSpace(string(body)), "[") {
		var alarms []cwAlarm
		if err := json.Unmarshal(body, &alarms); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		for _, a := range alarms {
			refs = append(refs, a.refs(where)...)
		}
		return refs, nil
	}
	var doc struct {
		Alarms []cwAlarm `json:"Alarms"`
		TT     *struct {
			Custom *cwAPIMetric `json:"CustomizedMetricSpecification"`
		} `json:"TargetTrackingScalingPolicyConfiguration"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	for _, a := range doc.Alarms {
		refs = append(refs, a.refs(where)...)
	}
	if doc.TT != nil && doc.TT.Custom != nil {
		refs = append(refs, doc.TT.Custom.ref(where+" target tracking"))
	}
	return refs, nil
}

// checkLogsInsights returns the capitalised fields a Logs Insights query
// names that are neither a CloudWatch metric or dimension of the table nor an
// EMF property or distribution member. Logs Insights' own words are lower
// case and its built-in fields start with @.
func checkLogsInsights(k known, where, query string) []string {
	var problems []string
	for _, line := range strings.Split(query, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		line = regexp.MustCompile(`"[^"]*"|'[^']*'|@\w+`).ReplaceAllString(line, "")
		for _, f := range regexp.MustCompile(`\b[A-Z][A-Za-z0-9]*\b`).FindAllString(line, -1) {
			_, metric := k.cw[f]
			_, dim := k.dims[f]
			if !metric && !dim && !slices.Contains(emfProperties, f) && !slices.Contains(distMembers, f) {
				problems = append(problems, fmt.Sprintf("%s: field %q is no CloudWatch metric, dimension or EMF property of the table", where, f))
			}
		}
	}
	return problems
}

// deployCWRefs returns every CloudWatch metric the deployment names: the
// alarms, the dashboard's widgets, the scaling policies and their alarms
// (deploy/cloudwatch) and the literal metric names of deploy/terraform.
func deployCWRefs(t testing.TB) []cwRef {
	t.Helper()
	root := repoRoot(t)
	var refs []cwRef
	paths, _ := filepath.Glob(filepath.Join(root, "deploy", "cloudwatch", "*.json"))
	for _, path := range paths {
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		var rs []cwRef
		var err error
		if rel == "deploy/cloudwatch/dashboard.json" {
			rs, err = cwDashboardRefs(rel, readFile(t, path))
		} else {
			rs, err = cwJSONRefs(rel, readFile(t, path))
		}
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, rs...)
	}
	tfs, _ := filepath.Glob(filepath.Join(root, "deploy", "terraform", "*.tf"))
	for _, path := range tfs {
		rel, _ := filepath.Rel(root, path)
		refs = append(refs, terraformCWRefs(t, filepath.ToSlash(rel), readFile(t, path))...)
	}
	if len(refs) < 20 {
		t.Fatalf("found %d CloudWatch references in deploy/, too few: has the reader stopped seeing them?", len(refs))
	}
	return refs
}

// terraformCWRefs reads the blocks of a .tf file with a literal
// metric_name (and literal dimensions, if any).
func terraformCWRefs(t testing.TB, where string, src []byte) []cwRef {
	t.Helper()
	file, diags := hclsyntax.ParseConfig(src, where, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", where, diags.Error())
	}
	var refs []cwRef
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		if attr, ok := b.Attributes["metric_name"]; ok {
			if name, ok := literalString(attr.Expr); ok {
				r := cwRef{where: where, namespace: namespacePlaceholder, name: name, dims: map[string]string{}}
				if d, ok := b.Attributes["dimensions"]; ok {
					if v, diags := d.Expr.Value(nil); !diags.HasErrors() && (v.Type().IsObjectType() || v.Type().IsMapType()) {
						for n, val := range v.AsValueMap() {
							r.dims[n] = val.AsString()
						}
					}
				}
				refs = append(refs, r)
			}
		}
		for _, sub := range b.Blocks {
			walk(sub.Body)
		}
	}
	walk(file.Body.(*hclsyntax.Body))
	return refs
}

// datumKey is a metric name and its exact set of dimension names, sorted:
// what CloudWatch matches an alarm, widget or policy against (with values).
func datumKey(name string, dims []string) string {
	return name + "{" + strings.Join(slices.Sorted(slices.Values(dims)), ",") + "}"
}

// arrivedDatums indexes what reached the fake CloudWatch: by metric name and
// dimension names, and by the same with the values.
func arrivedDatums(ds []cloudwatchtest.Datum) (byNames, byValues map[string]bool) {
	byNames, byValues = map[string]bool{}, map[string]bool{}
	for _, d := range ds {
		var names, pairs []string
		for _, dim := range d.Dimensions {
			names = append(names, dim.Name)
			pairs = append(pairs, dim.Name+"="+dim.Value)
		}
		byNames[datumKey(d.MetricName, names)] = true
		byValues[datumKey(d.MetricName, pairs)] = true
	}
	return byNames, byValues
}

// checkRefArrived returns what is wrong with r given what arrived: its
// metric under its exact dimension set must have arrived, and with the
// values it names unless the metric is a histogram (whose series exist
// only once a job of that kind ran).
func checkRefArrived(r cwRef, byNames, byValues map[string]bool) string {
	var names, pairs []string
	for n, v := range r.dims {
		names = append(names, n)
		pairs = append(pairs, n+"="+v)
	}
	if !byNames[datumKey(r.name, names)] {
		return fmt.Sprintf("%s: no datum of %s arrived", r.where, datumKey(r.name, names))
	}
	i := slices.IndexFunc(metrics.Table, func(d metrics.Definition) bool { return d.CloudWatchName == r.name })
	if i >= 0 && metrics.Table[i].Kind != metrics.Histogram && !byValues[datumKey(r.name, pairs)] {
		return fmt.Sprintf("%s: no datum of %s arrived", r.where, datumKey(r.name, pairs))
	}
	return ""
}

// TestCheckRefArrivedCatchesMissingSets: a widget asking for the fleet-wide
// p99 finds nothing when only the per-Status×Method sets arrived (the
// exporter's old behaviour), and a counter series must arrive with the
// value asked for.
func TestCheckRefArrivedCatchesMissingSets(t *testing.T) {
	t.Parallel()
	v := 1.0
	byNames, byValues := arrivedDatums([]cloudwatchtest.Datum{
		{MetricName: "WorkerJobDuration", Dimensions: []cloudwatchtest.Dimension{{Name: "Status", Value: "success"}, {Name: "Method", Value: "http"}}, Values: []float64{1}},
		{MetricName: "WorkerErrors", Dimensions: []cloudwatchtest.Dimension{{Name: "ErrorType", Value: "dns"}}, Value: &v},
	})
	for _, tc := range []struct {
		ref  cwRef
		want string
	}{
		{cwRef{where: "p99", name: "WorkerJobDuration", dims: map[string]string{}}, "WorkerJobDuration{}"},
		{cwRef{where: "browser", name: "WorkerJobDuration", dims: map[string]string{"Status": "failed", "Method": "browser"}}, ""},
		{cwRef{where: "tls", name: "WorkerErrors", dims: map[string]string{"ErrorType": "tls"}}, "ErrorType=tls"},
		{cwRef{where: "dns", name: "WorkerErrors", dims: map[string]string{"ErrorType": "dns"}}, ""},
	} {
		got := checkRefArrived(tc.ref, byNames, byValues)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want a problem mentioning %q", tc.ref.where, got, tc.want)
		}
	}
}
