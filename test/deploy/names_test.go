package deploy

import (
	"slices"
	"testing"

	"github.com/prometheus/otlptranslator"

	"github.com/crawler-service/crawler/internal/metrics"
)

// seriesLabels are labels every series may carry whatever its instrument:
// the target's job and instance (service.name and service.instance.id through
// the collector) and the SDK's cardinality-overflow marker.
var seriesLabels = []string{"job", "instance", "otel_metric_overflow"}

// emfProperties are the resource attributes cmd/crawler/telemetry.go sends
// as plain EMF properties, and distMembers the members of an EMF
// distribution: both are fields a Logs Insights query may name.
var (
	emfProperties = []string{"WorkerId", "Process", "TaskArn"}
	distMembers   = []string{"Values", "Counts", "Max", "Min", "Count", "Sum"}
)

// promSeries is one Prometheus series name the exporters produce.
type promSeries struct {
	def    metrics.Definition
	labels map[string][]string // label name → every value (nil: not enumerated)
}

// known is what the metrics table allows files to name.
type known struct {
	prom      map[string]promSeries         // Prometheus series name
	labels    map[string]bool               // every Prometheus label name
	labelVals map[string][]string           // Prometheus label → values, when enumerated
	cw        map[string]metrics.Definition // CloudWatch name
	otel      map[string]metrics.Definition // OpenTelemetry instrument name
	dims      map[string][]string           // CloudWatch dimension → values
}

// knownNames derives every allowed name from the table with the same
// translation the Prometheus exporters use (otel/readers.go and the
// collector's translation_strategy).
func knownNames(t testing.TB) known {
	t.Helper()
	k := known{
		prom: map[string]promSeries{}, labels: map[string]bool{}, labelVals: map[string][]string{},
		cw: map[string]metrics.Definition{}, otel: map[string]metrics.Definition{}, dims: map[string][]string{},
	}
	namer := otlptranslator.NewMetricNamer("", otlptranslator.UnderscoreEscapingWithSuffixes)
	labelNamer := otlptranslator.LabelNamer{}
	for _, l := range append(seriesLabels, "__name__", "le") {
		k.labels[l] = true
	}
	// Prometheus records up itself for every target it scrapes: the alerts
	// on a scrape job that is down or absent watch it.
	k.prom["up"] = promSeries{def: metrics.Definition{Name: "up", Kind: metrics.ObservableGauge}, labels: map[string][]string{"job": nil, "instance": nil}}
	for _, d := range metrics.Table {
		k.otel[d.Name] = d
		if d.CloudWatchName != "" {
			k.cw[d.CloudWatchName] = d
			for _, a := range d.Attributes {
				k.dims[a.CloudWatch] = a.Values
			}
		}
		typ := map[metrics.Kind]otlptranslator.MetricType{
			metrics.Counter:           otlptranslator.MetricTypeMonotonicCounter,
			metrics.ObservableCounter: otlptranslator.MetricTypeMonotonicCounter,
			metrics.Histogram:         otlptranslator.MetricTypeHistogram,
			metrics.ObservableGauge:   otlptranslator.MetricTypeGauge,
		}[d.Kind]
		base, err := namer.Build(otlptranslator.Metric{Name: d.Name, Unit: d.Unit, Type: typ})
		if err != nil {
			t.Fatalf("translate %s: %v", d.Name, err)
		}
		labels := map[string][]string{}
		for _, a := range d.Attributes {
			name, err := labelNamer.Build(a.Key)
			if err != nil {
				t.Fatalf("translate attribute %s: %v", a.Key, err)
			}
			labels[name] = a.Values
			k.labels[name] = true
			if a.Values != nil {
				k.labelVals[name] = a.Values
			}
		}
		for _, l := range seriesLabels {
			labels[l] = nil
		}
		if d.Kind != metrics.Histogram {
			k.prom[base] = promSeries{def: d, labels: labels}
			continue
		}
		k.prom[base+"_sum"] = promSeries{def: d, labels: labels}
		k.prom[base+"_count"] = promSeries{def: d, labels: labels}
		bucket := map[string][]string{"le": nil}
		for l, v := range labels {
			bucket[l] = v
		}
		k.prom[base+"_bucket"] = promSeries{def: d, labels: bucket}
	}
	return k
}

// dimensionSetOK reports whether dims is exactly one of d's dimension sets:
// CloudWatch matches a metric only by its full set of dimensions.
func dimensionSetOK(d metrics.Definition, dims []string) bool {
	sets := d.DimensionSets
	if sets == nil {
		sets = [][]string{{}}
	}
	got := slices.Sorted(slices.Values(dims))
	for _, s := range sets {
		if slices.Equal(got, slices.Sorted(slices.Values(s))) {
			return true
		}
	}
	return false
}
