package deploy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
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
