package metrics

import (
	"context"
	"fmt"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Operator counts the operator actions the API takes.
type Operator struct {
	actions metric.Int64Counter
	jobs    metric.Int64Counter
	opts    map[string][]metric.AddOption // by action, built once
}

// NewOperator creates the operator-action counter from the table; every
// action's series starts at zero.
func NewOperator(mp metric.MeterProvider) (*Operator, error) {
	c, err := int64Counter(mp.Meter(Scope), OperatorActions)
	if err != nil {
		return nil, fmt.Errorf("metrics: operator instruments: %w", err)
	}
	startAtZero(c, OperatorActions)
	j, err := int64Counter(mp.Meter(Scope), OperatorJobs)
	if err != nil {
		return nil, fmt.Errorf("metrics: operator instruments: %w", err)
	}
	startAtZero(j, OperatorJobs)
	o := &Operator{actions: c, jobs: j, opts: map[string][]metric.AddOption{}}
	for _, a := range OperatorActionValues {
		o.opts[a] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrAction, a)))}
	}
	return o, nil
}

// Action counts one action and the n jobs or schedules it changed. An
// action outside OperatorActionValues is a programming error and is
// dropped rather than growing the series.
func (o *Operator) Action(ctx context.Context, action string, n int) {
	if o == nil || !slices.Contains(OperatorActionValues, action) {
		return
	}
	o.actions.Add(ctx, 1, o.opts[action]...)
	if n > 0 {
		o.jobs.Add(ctx, int64(n), o.opts[action]...)
	}
}
