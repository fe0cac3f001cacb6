package scaleconf

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/crawler-service/crawler/internal/scalesim"
)

// step reads the step policies and pairs each with the alarm that invokes
// it: the alarm above its threshold drives the policy that adds capacity.
func (m *module) step(alarms map[string]namedAlarm) (scalesim.Step, error) {
	var s scalesim.Step
	var outs, ins []scalesim.StepAction
	for _, r := range m.resources {
		if r.typ != "aws_appautoscaling_policy" || len(blocks(r.body, "step_scaling_policy_configuration")) == 0 {
			continue
		}
		each, err := m.instances(r)
		if err != nil {
			return s, err
		}
		for _, e := range each {
			a, err := m.stepAction(r, e)
			if err != nil {
				return s, fmt.Errorf("%s.%s: %w", r.typ, r.name, err)
			}
			if len(a.Adjustments) > 0 && a.Adjustments[0].Change > 0 {
				outs = append(outs, a)
			} else {
				ins = append(ins, a)
			}
		}
	}
	var high, low []scalesim.Alarm
	for _, a := range alarms {
		if !a.scales {
			continue
		}
		if strings.HasPrefix(a.Comparison, "Greater") {
			high = append(high, a.Alarm)
		} else {
			low = append(low, a.Alarm)
		}
	}
	if len(outs) != 1 || len(ins) != 1 || len(high) != 1 || len(low) != 1 {
		return s, fmt.Errorf("step scaling: want one scale-out and one scale-in policy with one alarm each, found %d, %d policies and %d, %d alarms: %w",
			len(outs), len(ins), len(high), len(low), ErrNotFound)
	}
	s.Out, s.In = outs[0], ins[0]
	s.Out.Alarm, s.In.Alarm = high[0], low[0]
	return s, nil
}

func (m *module) stepAction(r resource, e map[string]cty.Value) (scalesim.StepAction, error) {
	var a scalesim.StepAction
	var err error
	if a.Name, err = m.str(r.body, e, "name"); err != nil {
		return a, err
	}
	cfg := blocks(r.body, "step_scaling_policy_configuration")[0].Body
	if a.AdjustmentType, err = m.str(cfg, e, "adjustment_type"); err != nil {
		return a, err
	}
	var cd int
	if err := m.ints(cfg, e, map[string]*int{"cooldown": &cd}); err != nil {
		return a, err
	}
	a.Cooldown = time.Duration(cd) * time.Second
	// Literal step_adjustment blocks, then dynamic ones.
	for _, b := range blocks(cfg, "step_adjustment") {
		adj, err := m.adjustment(b.Body, e)
		if err != nil {
			return a, err
		}
		a.Adjustments = append(a.Adjustments, adj)
	}
	for _, d := range blocks(cfg, "dynamic") {
		if len(d.Labels) != 1 || d.Labels[0] != "step_adjustment" {
			continue
		}
		items, err := m.value(d.Body, e, "for_each")
		if err != nil {
			return a, err
		}
		content := blocks(d.Body, "content")
		if len(content) == 0 || items.IsNull() {
			continue
		}
		for it := items.ElementIterator(); it.Next(); {
			k, v := it.Element()
			vars := map[string]cty.Value{"step_adjustment": cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
			for n, x := range e {
				vars[n] = x
			}
			adj, err := m.adjustment(content[0].Body, vars)
			if err != nil {
				return a, err
			}
			a.Adjustments = append(a.Adjustments, adj)
		}
	}
	return a, nil
}

func (m *module) adjustment(b *hclsyntax.Body, e map[string]cty.Value) (scalesim.Adjustment, error) {
	lo, err := m.optNum(b, e, "metric_interval_lower_bound", math.Inf(-1))
	if err != nil {
		return scalesim.Adjustment{}, err
	}
	hi, err := m.optNum(b, e, "metric_interval_upper_bound", math.Inf(1))
	if err != nil {
		return scalesim.Adjustment{}, err
	}
	ch, err := m.num(b, e, "scaling_adjustment")
	return scalesim.Adjustment{Lower: lo, Upper: hi, Change: int(ch)}, err
}
