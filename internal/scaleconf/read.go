package scaleconf

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/crawler-service/crawler/internal/scalesim"
)

// SilentAlarm is the alarm that watches the publisher by default.
const SilentAlarm = "crawler-publisher-silent"

// Deployed is what the module would deploy.
type Deployed struct {
	// Mode is the default scaling_mode.
	Mode     scalesim.Kind
	Tracking scalesim.Policy
	Step     scalesim.Policy
}

// Policy is the policy of kind k.
func (d Deployed) Policy(k scalesim.Kind) scalesim.Policy {
	if k == scalesim.StepScaling {
		return d.Step
	}
	return d.Tracking
}

// Read evaluates the Terraform module in dir. silent names the alarm that
// tells an operator the publisher stopped ("" for SilentAlarm).
func Read(dir, silent string) (Deployed, error) {
	if silent == "" {
		silent = SilentAlarm
	}
	m, err := load(dir)
	if err != nil {
		return Deployed{}, fmt.Errorf("scaleconf: read %s: %w", dir, err)
	}
	d, err := m.deployed(silent)
	if err != nil {
		return Deployed{}, fmt.Errorf("scaleconf: read %s: %w", dir, err)
	}
	return d, nil
}

func (m *module) deployed(silent string) (Deployed, error) {
	var d Deployed
	if v, ok := m.vars["scaling_mode"]; ok && v.IsKnown() && v.Type() == cty.String {
		d.Mode = scalesim.Kind(v.AsString())
	}
	target, ok := m.first("aws_appautoscaling_target", "")
	if !ok {
		return d, fmt.Errorf("aws_appautoscaling_target: %w", ErrNotFound)
	}
	var lo, hi int
	if err := m.ints(target.body, nil, map[string]*int{"min_capacity": &lo, "max_capacity": &hi}); err != nil {
		return d, fmt.Errorf("scalable target: %w", err)
	}
	alarms, err := m.alarms()
	if err != nil {
		return d, err
	}
	sil, ok := alarms[silent]
	if !ok {
		return d, fmt.Errorf("alarm %s: %w", silent, ErrNotFound)
	}
	d.Tracking = scalesim.Policy{Kind: scalesim.TargetTracking, MinCapacity: lo, MaxCapacity: hi, Silent: sil.Alarm}
	d.Step = scalesim.Policy{Kind: scalesim.StepScaling, MinCapacity: lo, MaxCapacity: hi, Silent: sil.Alarm}
	if d.Tracking.Tracking, err = m.tracking(); err != nil {
		return d, err
	}
	if d.Step.Step, err = m.step(alarms); err != nil {
		return d, err
	}
	return d, nil
}

func (m *module) first(typ, block string) (resource, bool) {
	for _, r := range m.resources {
		if r.typ == typ && (block == "" || len(blocks(r.body, block)) > 0) {
			return r, true
		}
	}
	return resource{}, false
}

func blocks(b *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, sub := range b.Blocks {
		if sub.Type == typ {
			out = append(out, sub)
		}
	}
	return out
}

func (m *module) tracking() (scalesim.Tracking, error) {
	var t scalesim.Tracking
	r, ok := m.first("aws_appautoscaling_policy", "target_tracking_scaling_policy_configuration")
	if !ok {
		return t, fmt.Errorf("target tracking policy: %w", ErrNotFound)
	}
	cfg := blocks(r.body, "target_tracking_scaling_policy_configuration")[0].Body
	var out, in int
	err := m.ints(cfg, nil, map[string]*int{"scale_out_cooldown": &out, "scale_in_cooldown": &in})
	if err == nil {
		t.TargetValue, err = m.num(cfg, nil, "target_value")
	}
	if err == nil {
		t.DisableScaleIn, err = m.boolean(cfg, nil, "disable_scale_in")
	}
	if err != nil {
		return t, fmt.Errorf("target tracking policy %s: %w", r.name, err)
	}
	t.ScaleOutCooldown, t.ScaleInCooldown = time.Duration(out)*time.Second, time.Duration(in)*time.Second
	spec := blocks(cfg, "customized_metric_specification")
	if len(spec) == 0 {
		return t, fmt.Errorf("target tracking policy %s: customized_metric_specification: %w", r.name, ErrNotFound)
	}
	if t.MetricName, err = m.str(spec[0].Body, nil, "metric_name"); err == nil {
		t.Statistic, err = m.str(spec[0].Body, nil, "statistic")
	}
	if err != nil {
		return t, fmt.Errorf("target tracking policy %s: %w", r.name, err)
	}
	return t, nil
}

// instances evaluates a resource's for_each (the enabled branch of a
// condition) and returns one `each` object per instance, or a single nil
// for a resource without one.
func (m *module) instances(r resource) ([]map[string]cty.Value, error) {
	fe, ok := r.body.Attributes["for_each"]
	if !ok {
		return []map[string]cty.Value{nil}, nil
	}
	e := fe.Expr
	if c, ok := e.(*hclsyntax.ConditionalExpr); ok {
		e = c.TrueResult
	}
	v, diags := e.Value(m.ctx)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s.%s for_each: %w", r.typ, r.name, diags)
	}
	var out []map[string]cty.Value
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		out = append(out, map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k, "value": val})})
	}
	return out, nil
}

// namedAlarm is an alarm with whether a scaling policy is its action.
type namedAlarm struct {
	scalesim.Alarm
	scales bool
}

// alarms evaluates every single-metric aws_cloudwatch_metric_alarm instance.
func (m *module) alarms() (map[string]namedAlarm, error) {
	out := map[string]namedAlarm{}
	for _, r := range m.resources {
		if r.typ != "aws_cloudwatch_metric_alarm" {
			continue
		}
		scales := false
		if a, ok := r.body.Attributes["alarm_actions"]; ok {
			for _, t := range a.Expr.Variables() {
				scales = scales || t.RootName() == "aws_appautoscaling_policy"
			}
		}
		each, err := m.instances(r)
		if err != nil {
			return nil, err
		}
		for _, e := range each {
			a, err := m.alarm(r.body, e)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", r.typ, r.name, err)
			}
			if a.MetricName != "" {
				out[a.Name] = namedAlarm{a, scales}
			}
		}
	}
	return out, nil
}

func (m *module) alarm(b *hclsyntax.Body, e map[string]cty.Value) (scalesim.Alarm, error) {
	var a scalesim.Alarm
	var err error
	if a.Name, err = m.str(b, e, "alarm_name"); err != nil {
		return a, err
	}
	if v, verr := m.value(b, e, "metric_name"); verr != nil || v.IsNull() {
		return scalesim.Alarm{}, verr // metric math: not a single-metric alarm
	}
	get := func(p *string, n string) {
		if err == nil {
			*p, err = m.str(b, e, n)
		}
	}
	get(&a.MetricName, "metric_name")
	get(&a.Statistic, "statistic")
	get(&a.Comparison, "comparison_operator")
	get(&a.TreatMissingData, "treat_missing_data")
	var period, dta float64
	if err == nil {
		period, err = m.num(b, e, "period")
	}
	if err == nil {
		err = m.ints(b, e, map[string]*int{"evaluation_periods": &a.EvaluationPeriods})
	}
	if err == nil {
		dta, err = m.optNum(b, e, "datapoints_to_alarm", 0)
	}
	if err == nil {
		a.Threshold, err = m.num(b, e, "threshold")
	}
	a.Period, a.DatapointsToAlarm = time.Duration(period)*time.Second, int(dta)
	return a, err
}
