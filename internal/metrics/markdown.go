package metrics

import (
	"bytes"
	"fmt"
	"strings"
)

// Markdown renders the metrics reference (docs/metrics.md) from the table.
func Markdown(table []Definition) []byte {
	var b bytes.Buffer
	b.WriteString("# Metrics reference\n\n")
	b.WriteString("<!-- Generated from internal/metrics/table.go by `go test ./internal/metrics -update`. Do not edit. -->\n\n")
	b.WriteString("Every process records these through the OpenTelemetry metric API. Prometheus shows them under\n")
	b.WriteString("OpenTelemetry-style names (dots become underscores, the unit and `_total` are appended by the\n")
	b.WriteString("exporter); CloudWatch (PutMetricData and EMF) shows the published CloudWatch name under each of\n")
	b.WriteString("its dimension sets, `[]` being the set without dimensions (for worker metrics, the fleet-wide\n")
	b.WriteString("rollup). `CLOUDWATCH_WORKER_ID_DIMENSION=true` adds the set `[WorkerId]` to the worker metrics only,\n")
	b.WriteString("beside the defaults; the metric publisher's gauges never get it. An instrument without a\n")
	b.WriteString("CloudWatch name is not sent to CloudWatch. Counters with bounded attributes start every series\n")
	b.WriteString("at zero when their process starts.\n\n")
	b.WriteString("| OpenTelemetry name | kind | unit | attributes | CloudWatch name | CloudWatch dimension sets | from | description |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, d := range table {
		var attrs []string
		for _, a := range d.Attributes {
			attrs = append(attrs, fmt.Sprintf("`%s` (%s)", a.Key, strings.Join(a.Values, ", ")))
		}
		cw, sets := "—", "—"
		if d.CloudWatchName != "" {
			cw = d.CloudWatchName
			var ss []string
			for _, s := range d.CloudWatchSets(false) {
				ss = append(ss, "["+strings.Join(s, ", ")+"]")
			}
			sets = strings.Join(ss, " ")
			if d.PerWorker {
				sets += " (+ [" + WorkerIDDimension + "] opt-in)"
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s | %s | %s | %s |\n",
			d.Name, d.Kind, d.Unit, orDash(strings.Join(attrs, "; ")), cw, sets, d.From, d.Description)
	}
	b.WriteString("\nHistogram boundaries of `" + JobDuration.Name + "` (seconds): ")
	var bs []string
	for _, v := range JobDuration.Buckets {
		bs = append(bs, fmt.Sprint(v))
	}
	b.WriteString(strings.Join(bs, ", ") + ".\n\n")

	b.WriteString("Instrumentation libraries record under their own scope and semantic-convention names:\n\n")
	b.WriteString("| instrumentation scope | from | what |\n|---|---|---|\n")
	for _, in := range Instrumentations {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", in.Scope, in.From, in.Description)
	}
	b.WriteString("\n")

	b.WriteString("## What CloudWatch costs\n\n")
	b.WriteString("Every distinct combination of namespace, metric name and dimension values is one custom metric,\n")
	fmt.Fprintf(&b, "billed at $%.2f per metric-month (first 10,000). Counted from the table, every bounded value occurring:\n\n", PricePerMetricMonth)
	b.WriteString("| workers | dimensions | custom metrics | per month |\n|---|---|---|---|\n")
	for _, w := range []int{10, 50} {
		for _, id := range []bool{false, true} {
			c := CloudWatchCost(table, w, id)
			label := "defaults"
			if id {
				label = "defaults + `[WorkerId]` on worker metrics"
			}
			fmt.Fprintf(&b, "| %d | %s | %d | $%.2f |\n", w, label, c.Metrics, c.MonthlyUSD)
		}
	}
	b.WriteString("\nWith the defaults the bill does not grow with the number of workers. The opt-in `WorkerId`\n")
	b.WriteString("set adds one metric per worker and worker metric, and on ECS each new task is a new worker id,\n")
	b.WriteString("so scaling churn adds metrics (CloudWatch prorates a custom metric by the hours it receives\n")
	b.WriteString("data). The zero that starts a counter series is one datum at process start, not a metric that\n")
	b.WriteString("would not exist anyway: the count above already assumes every value occurs. In EMF, `WorkerId` and\n")
	b.WriteString("the task ARN travel as plain properties instead: CloudWatch Logs Insights can group by them at\n")
	b.WriteString("no metric cost.\n")
	return b.Bytes()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
