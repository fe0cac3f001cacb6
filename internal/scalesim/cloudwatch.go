package scalesim

import "math"

// The publisher's metrics, by their CloudWatch names.
const (
	MetricWaiting = "QueueWaitingJobs"
	MetricBacklog = "QueueBacklogPerWorker"
	MetricOldest  = "QueueOldestJobAge"
)

// State is an alarm state.
type State string

// CloudWatch's alarm states.
const (
	OK               State = "OK"
	InAlarm          State = "ALARM"
	InsufficientData State = "INSUFFICIENT_DATA"
)

// cell holds one minute of datapoints of one metric.
type cell struct {
	n             int
	sum, min, max float64
}

// store is CloudWatch's view: datapoints per metric per one-minute bucket
// since the start of the run. Longer periods combine whole minutes.
type store struct {
	m map[string][]cell
}

func newStore() *store { return &store{m: map[string][]cell{}} }

func (s *store) put(metric string, minute int, v float64) {
	cs := s.m[metric]
	for len(cs) <= minute {
		cs = append(cs, cell{})
	}
	c := &cs[minute]
	if c.n == 0 {
		c.min, c.max = v, v
	}
	c.n++
	c.sum += v
	c.min = math.Min(c.min, v)
	c.max = math.Max(c.max, v)
	s.m[metric] = cs
}

var statistics = map[string]bool{"Average": true, "Maximum": true, "Minimum": true, "Sum": true, "SampleCount": true}

// stat is the statistic of metric over minutes [from, to); ok is false when
// the period holds no datapoint, which CloudWatch reports as missing (for
// SampleCount too: a period without data has no sample count of 0).
func (s *store) stat(metric, statistic string, from, to int) (float64, bool) {
	var c cell
	cs := s.m[metric]
	for i := max(from, 0); i < to && i < len(cs); i++ {
		d := cs[i]
		if d.n == 0 {
			continue
		}
		if c.n == 0 {
			c.min, c.max = d.min, d.max
		}
		c.n += d.n
		c.sum += d.sum
		c.min = math.Min(c.min, d.min)
		c.max = math.Max(c.max, d.max)
	}
	if c.n == 0 {
		return 0, false
	}
	switch statistic {
	case "Maximum":
		return c.max, true
	case "Minimum":
		return c.min, true
	case "Sum":
		return c.sum, true
	case "SampleCount":
		return float64(c.n), true
	}
	return c.sum / float64(c.n), true
}

var comparisons = map[string]func(v, t float64) bool{
	"GreaterThanThreshold":          func(v, t float64) bool { return v > t },
	"GreaterThanOrEqualToThreshold": func(v, t float64) bool { return v >= t },
	"LessThanThreshold":             func(v, t float64) bool { return v < t },
	"LessThanOrEqualToThreshold":    func(v, t float64) bool { return v <= t },
}

// evaluate is the alarm's state when the minute `now` (exclusive) has just
// closed, given its previous state. With TreatMissingData "missing" (and
// "ignore") the alarm needs DatapointsToAlarm present datapoints in its
// evaluation range to leave INSUFFICIENT_DATA (or keep its state); CloudWatch
// may look further back than the range for them, which this model does not.
func (a Alarm) evaluate(s *store, now int, prev State) State {
	per := int(a.Period / TrackingPeriod)
	m := a.DatapointsToAlarm
	if m == 0 {
		m = a.EvaluationPeriods
	}
	last := now - now%per // the last closed period ends here
	breaching, present := 0, 0
	for i := 0; i < a.EvaluationPeriods; i++ {
		to := last - i*per
		v, ok := s.stat(a.MetricName, a.Statistic, to-per, to)
		switch {
		case ok:
			present++
			if comparisons[a.Comparison](v, a.Threshold) {
				breaching++
			}
		case a.TreatMissingData == "breaching":
			present++
			breaching++
		case a.TreatMissingData == "notBreaching":
			present++
		}
	}
	switch {
	case breaching >= m:
		return InAlarm
	case present >= m || present == a.EvaluationPeriods:
		return OK
	case present == 0:
		return InsufficientData
	case a.TreatMissingData == "ignore":
		return prev
	}
	return InsufficientData
}

// latest is the statistic of the last closed period of the alarm.
func (a Alarm) latest(s *store, now int) (float64, bool) {
	per := int(a.Period / TrackingPeriod)
	last := now - now%per
	return s.stat(a.MetricName, a.Statistic, last-per, last)
}
