package scalesim

import (
	"math"
	"time"
)

// Event is one change of the ECS service's desired count.
type Event struct {
	At       time.Duration `json:"at_s"`
	From, To int
	Metric   float64 // the datapoint that caused it
	Reason   string
}

// Out reports whether the event added capacity.
func (e Event) Out() bool { return e.To > e.From }

// scaler is Application Auto Scaling: at every closed minute it evaluates
// the policy's alarms and, for each alarm in ALARM, invokes its policy (an
// alarm with an autoscaling action repeats it every minute it stays in
// ALARM), respecting cooldowns and the min and max capacity.
type scaler struct {
	p       Policy
	desired int
	hi, lo  Alarm // the alarms that invoke scale-out and scale-in
	hiState State
	loState State
	// lastOut and lastIn are when the last scale-out or scale-in happened;
	// outBase is the capacity before the scale-out that started the current
	// scale-out cooldown: while it runs, capacity already added counts
	// towards the next scale-out rather than being added again.
	lastOut, lastIn time.Duration
	outBase         int
	events          []Event
}

const never = time.Duration(math.MinInt64 / 2)

func newScaler(p Policy) *scaler {
	s := &scaler{p: p, desired: p.MinCapacity, lastOut: never, lastIn: never,
		hiState: InsufficientData, loState: InsufficientData}
	switch p.Kind {
	case TargetTracking:
		t := p.Tracking
		s.hi = Alarm{Name: "TargetTracking-AlarmHigh", MetricName: t.MetricName, Statistic: t.Statistic,
			Period: TrackingPeriod, EvaluationPeriods: TrackingOutPeriods, Threshold: t.TargetValue,
			Comparison: "GreaterThanThreshold", TreatMissingData: "missing"}
		s.lo = Alarm{Name: "TargetTracking-AlarmLow", MetricName: t.MetricName, Statistic: t.Statistic,
			Period: TrackingPeriod, EvaluationPeriods: TrackingInPeriods, Threshold: TrackingInFraction * t.TargetValue,
			Comparison: "LessThanThreshold", TreatMissingData: "missing"}
	case StepScaling:
		s.hi, s.lo = p.Step.Out.Alarm, p.Step.In.Alarm
	}
	return s
}

func (s *scaler) clamp(n int) int { return min(max(n, s.p.MinCapacity), s.p.MaxCapacity) }

// tick runs the minute that has just closed; now is the simulated time and
// minute the number of closed minutes.
func (s *scaler) tick(st *store, now time.Duration, minute int) {
	s.hiState = s.hi.evaluate(st, minute, s.hiState)
	s.loState = s.lo.evaluate(st, minute, s.loState)
	if s.hiState == InAlarm {
		if v, ok := s.hi.latest(st, minute); ok {
			s.scaleOut(now, v)
		}
		return
	}
	if s.loState == InAlarm && !(s.p.Kind == TargetTracking && s.p.Tracking.DisableScaleIn) {
		if v, ok := s.lo.latest(st, minute); ok {
			s.scaleIn(now, v)
		}
	}
}

func (s *scaler) outCooldown() time.Duration {
	if s.p.Kind == TargetTracking {
		return s.p.Tracking.ScaleOutCooldown
	}
	return s.p.Step.Out.Cooldown
}

func (s *scaler) inCooldown() time.Duration {
	if s.p.Kind == TargetTracking {
		return s.p.Tracking.ScaleInCooldown
	}
	return s.p.Step.In.Cooldown
}

func (s *scaler) scaleOut(now time.Duration, v float64) {
	cooling := now-s.lastOut < s.outCooldown()
	base := s.desired
	if cooling {
		base = s.outBase
	}
	var want int
	switch s.p.Kind {
	case TargetTracking:
		want = proportional(base, v, s.p.Tracking.TargetValue)
	case StepScaling:
		a, ok := adjustment(s.p.Step.Out.Adjustments, v-s.hi.Threshold)
		if !ok {
			return
		}
		want = apply(s.p.Step.Out.AdjustmentType, base, a.Change)
	}
	want = s.clamp(want)
	if want <= s.desired {
		return
	}
	if !cooling {
		s.outBase, s.lastOut = s.desired, now
	}
	s.lastIn = never // a scale-out ends a scale-in cooldown
	s.set(now, want, v, "scale-out")
}

func (s *scaler) scaleIn(now time.Duration, v float64) {
	if now-s.lastIn < s.inCooldown() {
		return
	}
	var want int
	switch s.p.Kind {
	case TargetTracking:
		want = proportional(s.desired, v, s.p.Tracking.TargetValue)
	case StepScaling:
		a, ok := adjustment(s.p.Step.In.Adjustments, v-s.lo.Threshold)
		if !ok {
			return
		}
		want = apply(s.p.Step.In.AdjustmentType, s.desired, a.Change)
	}
	want = s.clamp(want)
	if want >= s.desired {
		return
	}
	s.lastIn = now
	s.set(now, want, v, "scale-in")
}

func (s *scaler) set(now time.Duration, to int, v float64, why string) {
	s.events = append(s.events, Event{At: now, From: s.desired, To: to, Metric: v, Reason: why})
	s.desired = to
}

// proportional is target tracking's capacity: ceil(current × metric /
// target). From zero tasks the product is zero whatever the metric, so the
// model asks for one task, the least that can move the metric.
func proportional(current int, metric, target float64) int {
	if current == 0 {
		if metric > target {
			return 1
		}
		return 0
	}
	// A hair below 1e-9 keeps 20×20/20 from rounding up to 21.
	return int(math.Ceil(float64(current)*metric/target - 1e-9))
}

func apply(kind string, current, change int) int {
	switch kind {
	case "ExactCapacity":
		return change
	case "PercentChangeInCapacity":
		d := float64(current) * float64(change) / 100
		if d > 0 {
			return current + int(math.Max(1, math.Floor(d)))
		}
		return current + int(math.Min(-1, math.Ceil(d)))
	}
	return current + change
}
