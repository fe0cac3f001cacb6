package deploy

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// runbookLink is how an alert's runbook_url and an alarm's description name
// their section of docs/runbook.md.
var runbookLink = regexp.MustCompile(`docs/runbook\.md#([a-z0-9_-]+)`)

// notifyTopic is the placeholder of the SNS topic that reaches people: an
// alarm that acts on it notifies someone, so it needs a runbook section.
// Scaling alarms act on a scaling policy instead.
const notifyTopic = "${alarm_topic_arn}"

// TestRunbookCoversAlertsAndAlarms holds every Prometheus alert and every
// CloudWatch alarm that notifies to its own section of docs/runbook.md: the
// alert's runbook_url is docs/runbook.md#<alert name, lower case>, and the
// alarm's description names docs/runbook.md#<alarm name>. It reads the
// rule files both Prometheus configurations load, every alarm of the JSON
// files in deploy/cloudwatch, and every aws_cloudwatch_metric_alarm of
// deploy/terraform, so alarms added later are held without editing it.
func TestRunbookCoversAlertsAndAlarms(t *testing.T) {
	t.Parallel()
	sections := runbookAnchors(t)
	check := func(what, text, want string) {
		t.Helper()
		links := runbookLink.FindAllStringSubmatch(text, -1)
		switch {
		case len(links) == 0:
			t.Errorf("%s does not link docs/runbook.md#%s", what, want)
		case want != "" && !slices.ContainsFunc(links, func(m []string) bool { return m[1] == want }):
			t.Errorf("%s links %v, want its own section docs/runbook.md#%s", what, links[0][0], want)
		}
		for _, m := range links {
			if !sections[m[1]] {
				t.Errorf("%s links docs/runbook.md#%s: docs/runbook.md has no such section", what, m[1])
			}
		}
	}

	alerts := 0
	var ruleFiles []string
	for _, s := range prometheusSetups {
		for _, rf := range readPromConfig(t, s.config).RuleFiles {
			if !slices.Contains(ruleFiles, rf) {
				ruleFiles = append(ruleFiles, rf)
			}
		}
	}
	for _, rf := range ruleFiles {
		for _, g := range readRuleFile(t, "deploy/prometheus/"+rf).Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				alerts++
				url := r.Annotations["runbook_url"]
				if !strings.HasPrefix(url, "docs/runbook.md#") {
					t.Errorf("alert %s (%s): runbook_url %q, want docs/runbook.md#%s", r.Alert, rf, url, strings.ToLower(r.Alert))
					continue
				}
				check(fmt.Sprintf("alert %s (%s) runbook_url", r.Alert, rf), url, strings.ToLower(r.Alert))
			}
		}
	}

	alarms := 0
	jsonFiles, _ := filepath.Glob(repoPath(t, "deploy/cloudwatch/*.json"))
	for _, path := range jsonFiles {
		rel, _ := filepath.Rel(repoRoot(t), path)
		for _, a := range jsonAlarms(t, path) {
			if !slices.Contains(a.AlarmActions, notifyTopic) {
				continue
			}
			alarms++
			check(fmt.Sprintf("%s alarm %s AlarmDescription", filepath.ToSlash(rel), a.AlarmName), a.AlarmDescription, a.AlarmName)
		}
	}
	tfFiles, _ := filepath.Glob(repoPath(t, "deploy/terraform/*.tf"))
	for _, path := range tfFiles {
		rel, _ := filepath.Rel(repoRoot(t), path)
		for _, a := range tfAlarms(t, path) {
			alarms++
			check(fmt.Sprintf("%s %s alarm_description", filepath.ToSlash(rel), a.name), a.description, "")
		}
	}
	if alerts < 12 || alarms < 5 {
		t.Errorf("found %d alerts and %d notifying alarms: has the search stopped seeing them?", alerts, alarms)
	}
}

// runbookAnchors are the GitHub anchors of docs/runbook.md's headings.
func runbookAnchors(t *testing.T) map[string]bool {
	t.Helper()
	anchors := map[string]bool{}
	drop := regexp.MustCompile("[^a-z0-9 _-]")
	for _, m := range regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`).FindAllStringSubmatch(string(readRepoFile(t, "docs/runbook.md")), -1) {
		a := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if anchors[a] {
			t.Errorf("docs/runbook.md: two sections have the anchor #%s", a)
		}
		anchors[a] = true
	}
	return anchors
}

// jsonAlarms reads the alarms of a deploy/cloudwatch file: a list of
// PutMetricAlarm inputs, or a document with an "Alarms" list.
func jsonAlarms(t *testing.T, path string) []cwRunbookAlarm {
	t.Helper()
	body := readFile(t, path)
	var list []cwRunbookAlarm
	if json.Unmarshal(body, &list) == nil {
		return slices.DeleteFunc(list, func(a cwRunbookAlarm) bool { return a.AlarmName == "" })
	}
	var doc struct {
		Alarms []cwRunbookAlarm `json:"Alarms"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Alarms
}

type cwRunbookAlarm struct {
	AlarmName        string   `json:"AlarmName"`
	AlarmDescription string   `json:"AlarmDescription"`
	AlarmActions     []string `json:"AlarmActions"`
}

type tfAlarm struct{ name, description string }

// tfAlarms returns the aws_cloudwatch_metric_alarm resources of a Terraform
// file that notify the alarm topic and write their own description (a
// description taken from each.value comes from a JSON file checked above),
// with the description's source text.
func tfAlarms(t *testing.T, path string) []tfAlarm {
	t.Helper()
	src := readFile(t, path)
	file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", path, diags.Error())
	}
	var out []tfAlarm
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "resource" || len(b.Labels) != 2 || b.Labels[0] != "aws_cloudwatch_metric_alarm" {
			continue
		}
		text := func(name string) string {
			attr, ok := b.Body.Attributes[name]
			if !ok {
				return ""
			}
			r := attr.Expr.Range()
			return string(src[r.Start.Byte:r.End.Byte])
		}
		if !strings.Contains(text("alarm_actions"), "aws_sns_topic.alarms") {
			continue
		}
		desc := text("alarm_description")
		if strings.Contains(desc, "each.value") {
			continue
		}
		out = append(out, tfAlarm{name: b.Labels[0] + "." + b.Labels[1], description: desc})
	}
	return out
}
