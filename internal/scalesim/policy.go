package scalesim

import (
	"fmt"
	"math"
	"time"
)

// Kind names a scaling policy type.
type Kind string

// The two policies the deployment offers (Terraform's scaling_mode).
const (
	TargetTracking Kind = "target_tracking"
	StepScaling    Kind = "step"
)

// The alarms Application Auto Scaling creates for a target tracking policy
// are not configurable: one-minute periods, scale out after 3 datapoints
// above the target, scale in after 15 below 90 % of it.
const (
	TrackingPeriod     = time.Minute
	TrackingOutPeriods = 3
	TrackingInPeriods  = 15
	TrackingInFraction = 0.9
)

// Policy is one scaling configuration of the ECS worker service.
type Policy struct {
	Kind        Kind
	MinCapacity int
	MaxCapacity int
	Tracking    Tracking
	Step        Step
	// Silent is the alarm that tells an operator the publisher has stopped
	// (crawler-publisher-silent); it is evaluated, never acted on.
	Silent Alarm
}

// Tracking is a target tracking configuration.
type Tracking struct {
	MetricName       string
	Statistic        string
	TargetValue      float64
	ScaleOutCooldown time.Duration
	ScaleInCooldown  time.Duration
	DisableScaleIn   bool
}

// Step is a pair of step scaling policies, each driven by its alarm.
type Step struct {
	Out StepAction
	In  StepAction
}

// StepAction is one step scaling policy with the alarm that invokes it.
type StepAction struct {
	Name           string
	Alarm          Alarm
	AdjustmentType string // ChangeInCapacity, ExactCapacity or PercentChangeInCapacity
	Cooldown       time.Duration
	Adjustments    []Adjustment
}

// Adjustment is one step: it applies when the metric minus the alarm's
// threshold lies in [Lower, Upper); open bounds are ±Inf.
type Adjustment struct {
	Lower, Upper float64
	Change       int
}

// Alarm is a CloudWatch metric alarm on one of the publisher's metrics.
type Alarm struct {
	Name              string
	MetricName        string
	Statistic         string
	Period            time.Duration
	EvaluationPeriods int
	DatapointsToAlarm int // 0 means EvaluationPeriods
	Threshold         float64
	Comparison        string
	TreatMissingData  string
}

// String is the short form used in summaries.
func (p Policy) String() string {
	switch p.Kind {
	case TargetTracking:
		t := p.Tracking
		return fmt.Sprintf("target_tracking(%s %s target=%g out=%s in=%s min=%d max=%d)",
			t.MetricName, t.Statistic, t.TargetValue, t.ScaleOutCooldown, t.ScaleInCooldown, p.MinCapacity, p.MaxCapacity)
	case StepScaling:
		o, i := p.Step.Out, p.Step.In
		return fmt.Sprintf("step(%s>%g×%d %v cd=%s; <%g×%d %v cd=%s; min=%d max=%d)",
			o.Alarm.MetricName, o.Alarm.Threshold, o.Alarm.EvaluationPeriods, changes(o.Adjustments), o.Cooldown,
			i.Alarm.Threshold, i.Alarm.EvaluationPeriods, changes(i.Adjustments), i.Cooldown, p.MinCapacity, p.MaxCapacity)
	}
	return string(p.Kind)
}

func changes(as []Adjustment) []int {
	out := make([]int, len(as))
	for i, a := range as {
		out[i] = a.Change
	}
	return out
}

// Validate reports the first thing that makes p unusable.
func (p Policy) Validate() error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("scalesim: policy: %s: %w", fmt.Sprintf(f, a...), ErrInvalid)
	}
	if p.MinCapacity < 0 || p.MaxCapacity < p.MinCapacity {
		return bad("capacity %d..%d", p.MinCapacity, p.MaxCapacity)
	}
	switch p.Kind {
	case TargetTracking:
		if !(p.Tracking.TargetValue > 0) {
			return bad("target value %g", p.Tracking.TargetValue)
		}
		if _, ok := statistics[p.Tracking.Statistic]; !ok {
			return bad("statistic %q", p.Tracking.Statistic)
		}
	case StepScaling:
		for _, a := range []StepAction{p.Step.Out, p.Step.In} {
			if err := a.Alarm.validate(); err != nil {
				return bad("%s: %v", a.Name, err)
			}
			if len(a.Adjustments) == 0 {
				return bad("%s has no step adjustments", a.Name)
			}
		}
	default:
		return bad("kind %q (want %s or %s)", p.Kind, TargetTracking, StepScaling)
	}
	if p.Silent.Name != "" {
		if err := p.Silent.validate(); err != nil {
			return bad("%s: %v", p.Silent.Name, err)
		}
	}
	return nil
}

func (a Alarm) validate() error {
	if _, ok := statistics[a.Statistic]; !ok {
		return fmt.Errorf("statistic %q", a.Statistic)
	}
	if a.Period < time.Minute || a.Period%time.Minute != 0 {
		return fmt.Errorf("period %s is not a whole number of minutes", a.Period)
	}
	if a.EvaluationPeriods < 1 || a.DatapointsToAlarm > a.EvaluationPeriods {
		return fmt.Errorf("%d of %d datapoints", a.DatapointsToAlarm, a.EvaluationPeriods)
	}
	if _, ok := comparisons[a.Comparison]; !ok {
		return fmt.Errorf("comparison %q", a.Comparison)
	}
	switch a.TreatMissingData {
	case "missing", "breaching", "notBreaching", "ignore", "":
	default:
		return fmt.Errorf("treat missing data %q", a.TreatMissingData)
	}
	return nil
}

// adjustment finds the step for diff = metric − threshold.
func adjustment(as []Adjustment, diff float64) (Adjustment, bool) {
	for _, a := range as {
		if diff >= a.Lower && diff < a.Upper {
			return a, true
		}
		// Scale-in steps below the threshold include their upper bound 0.
		if a.Upper <= 0 && diff == a.Upper {
			return a, true
		}
	}
	return Adjustment{}, false
}

// Open is an unbounded step edge.
var Open = math.Inf(1)
