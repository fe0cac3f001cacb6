package metrics

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The constructors below are the only places an instrument is created: each
// takes its name, unit, description and boundaries from a row, and refuses a
// row of another kind.

func checkKind(d Definition, k Kind) error {
	if d.Kind != k {
		return fmt.Errorf("metrics: %s is a %s, not a %s", d.Name, d.Kind, k)
	}
	return nil
}

func int64Counter(m metric.Meter, d Definition) (metric.Int64Counter, error) {
	if err := checkKind(d, Counter); err != nil {
		return nil, err
	}
	return m.Int64Counter(d.Name, metric.WithUnit(d.Unit), metric.WithDescription(d.Description))
}

func int64UpDownCounter(m metric.Meter, d Definition) (metric.Int64UpDownCounter, error) {
	if err := checkKind(d, UpDownCounter); err != nil {
		return nil, err
	}
	return m.Int64UpDownCounter(d.Name, metric.WithUnit(d.Unit), metric.WithDescription(d.Description))
}

func float64Histogram(m metric.Meter, d Definition) (metric.Float64Histogram, error) {
	if err := checkKind(d, Histogram); err != nil {
		return nil, err
	}
	return m.Float64Histogram(d.Name, metric.WithUnit(d.Unit), metric.WithDescription(d.Description),
		metric.WithExplicitBucketBoundaries(d.Buckets...))
}

func float64Gauge(m metric.Meter, d Definition) (metric.Float64ObservableGauge, error) {
	if err := checkKind(d, ObservableGauge); err != nil {
		return nil, err
	}
	return m.Float64ObservableGauge(d.Name, metric.WithUnit(d.Unit), metric.WithDescription(d.Description))
}

func int64ObservableCounter(m metric.Meter, d Definition) (metric.Int64ObservableCounter, error) {
	if err := checkKind(d, ObservableCounter); err != nil {
		return nil, err
	}
	return m.Int64ObservableCounter(d.Name, metric.WithUnit(d.Unit), metric.WithDescription(d.Description))
}

// AttributeSets returns every combination of d's attribute values, one set
// each (one empty set for a row without attributes): every series the row
// can have.
func (d Definition) AttributeSets() []attribute.Set {
	combos := [][]attribute.KeyValue{nil}
	for _, a := range d.Attributes {
		var next [][]attribute.KeyValue
		for _, c := range combos {
			for _, v := range a.Values {
				next = append(next, append(c[:len(c):len(c)], attribute.String(a.Key, v)))
			}
		}
		combos = next
	}
	sets := make([]attribute.Set, len(combos))
	for i, c := range combos {
		sets[i] = attribute.NewSet(c...)
	}
	return sets
}

// startAtZero adds 0 to every series of a counter, so each exists from the
// start of the process: Prometheus's increase() then sees the first
// increment instead of taking the series' first value as its start. The
// push exporters send that zero once (a delta of 0 in the first export),
// and nothing more for a series that stays idle.
func startAtZero(c metric.Int64Counter, d Definition) {
	for _, set := range d.AttributeSets() {
		c.Add(context.Background(), 0, metric.WithAttributeSet(set))
	}
}
