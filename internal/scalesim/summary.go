package scalesim

import (
	"math"
	"slices"
	"time"
)

// Summary is the JSON line a run prints. Times are seconds; drain_s is null
// when the scenario has no single event or the queue never drained after it.
type Summary struct {
	Scenario       string   `json:"scenario"`
	Policy         string   `json:"policy"`
	Config         string   `json:"config"`
	Metric         string   `json:"metric"`
	DurationS      float64  `json:"duration_s"`
	JobsArrived    int      `json:"jobs_arrived"`
	JobsDone       int      `json:"jobs_done"`
	JobsLeft       int      `json:"jobs_left"`
	DrainS         *float64 `json:"drain_s"`
	PeakWaiting    int      `json:"peak_waiting"`
	PeakOldestS    float64  `json:"peak_oldest_age_s"`
	P95OldestS     float64  `json:"p95_oldest_age_s"`
	PeakTasks      int      `json:"peak_tasks"`
	TaskHours      float64  `json:"task_hours"`
	CostUSD        float64  `json:"cost_usd"`
	PriceTaskHour  float64  `json:"price_usd_per_task_hour"`
	ScaleOuts      int      `json:"scale_out_events"`
	ScaleIns       int      `json:"scale_in_events"`
	Flaps          int      `json:"flaps"`
	SilentAlarmAtS *float64 `json:"silent_alarm_at_s"`
}

func (m *model) summary() Summary {
	s := Summary{
		Scenario: m.scn.Name, Policy: string(m.p.Kind), Config: m.p.String(), Metric: string(m.w.Metric),
		DurationS: m.scn.Duration.Seconds(), JobsArrived: m.arrived, JobsDone: m.done, JobsLeft: m.q.total,
		PriceTaskHour: round(m.w.TaskHourPrice, 5),
	}
	var billed int64
	for i := range m.waiting {
		s.PeakWaiting = max(s.PeakWaiting, int(m.waiting[i]))
		s.PeakOldestS = math.Max(s.PeakOldestS, float64(m.oldest[i]))
		s.PeakTasks = max(s.PeakTasks, int(m.billed[i]))
		billed += int64(m.billed[i])
	}
	s.TaskHours = round(float64(billed)/3600, 2)
	s.CostUSD = round(float64(billed)/3600*m.w.TaskHourPrice, 2)
	s.P95OldestS = percentile(m.oldest, 0.95)
	s.DrainS = m.drain()
	for i, e := range m.sc.events {
		if e.Out() {
			s.ScaleOuts++
		} else {
			s.ScaleIns++
		}
		if i > 0 && e.Out() != m.sc.events[i-1].Out() && e.At-m.sc.events[i-1].At <= m.w.FlapWindow {
			s.Flaps++
		}
	}
	for _, c := range m.silent {
		if c.State == InAlarm {
			at := c.At.Seconds()
			s.SilentAlarmAtS = &at
			break
		}
	}
	return s
}

// drain is the time from the scenario's event to the first second, at or
// after the backlog's peak, with nothing waiting; nil when the scenario has
// no event (EventAt 0) or the queue never drained.
func (m *model) drain() *float64 {
	from := int(m.scn.EventAt / time.Second)
	if from == 0 || from >= len(m.waiting) {
		return nil
	}
	peak := from
	for i := from; i < len(m.waiting); i++ {
		if m.waiting[i] > m.waiting[peak] {
			peak = i
		}
	}
	for i := peak; i < len(m.waiting); i++ {
		if m.waiting[i] == 0 {
			d := float64(i - from)
			return &d
		}
	}
	return nil
}

func percentile(xs []float32, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	c := slices.Clone(xs)
	slices.Sort(c)
	return float64(c[int(math.Ceil(q*float64(len(c))))-1])
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
