package scalesim

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Scenario is the load and the faults of one run.
type Scenario struct {
	Name     string
	Duration time.Duration
	// Rate is the arrival rate in jobs per second at t; nil is none.
	Rate func(t time.Duration) float64
	// Bursts add jobs all at once.
	Bursts []Burst
	// Poisson draws each second's arrivals from a Poisson distribution
	// around Rate; otherwise they arrive as evenly as whole jobs allow.
	Poisson bool
	// PublisherDown are the windows in which the metric publisher is dead:
	// it neither reads the queue nor exports.
	PublisherDown []Window
	// Crash makes ECS tasks crash CrashAfter after they start while the
	// window lasts; ECS replaces each one.
	Crash      Window
	CrashAfter time.Duration
	// EventAt is when the load changes; time to drain is measured from it.
	EventAt time.Duration
}

// Burst is a batch of jobs enqueued at once.
type Burst struct {
	At   time.Duration
	Jobs int
}

// Window is [From, To).
type Window struct{ From, To time.Duration }

func (w Window) has(t time.Duration) bool { return t >= w.From && t < w.To }

func (s Scenario) validate() error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("scalesim: scenario %q: %s: %w", s.Name, fmt.Sprintf(f, a...), ErrInvalid)
	}
	if s.Duration < time.Minute {
		return bad("duration %s (want ≥ 1m)", s.Duration)
	}
	for _, b := range s.Bursts {
		if b.Jobs < 0 || b.At < 0 || b.At >= s.Duration {
			return bad("burst of %d at %s", b.Jobs, b.At)
		}
	}
	if s.Crash.To > s.Crash.From && s.CrashAfter <= 0 {
		return bad("crash window without CrashAfter")
	}
	return nil
}

// Constant is a rate function of r jobs per second.
func Constant(r float64) func(time.Duration) float64 {
	return func(time.Duration) float64 { return r }
}

// StepRate is base jobs/s, factor × base inside w.
func StepRate(base, factor float64, w Window) func(time.Duration) float64 {
	return func(t time.Duration) float64 {
		if w.has(t) {
			return base * factor
		}
		return base
	}
}

// DiurnalRate swings around mean by ±amplitude (a fraction) over a day,
// highest at peak (time of day) and lowest twelve hours later.
func DiurnalRate(mean, amplitude float64, peak time.Duration) func(time.Duration) float64 {
	return func(t time.Duration) float64 {
		phase := 2 * math.Pi * (t - peak).Hours() / 24
		return math.Max(0, mean*(1+amplitude*math.Cos(phase)))
	}
}

// TracePoint is one row of a load trace: Jobs arrive evenly from At until
// the next point.
type TracePoint struct {
	At   time.Duration
	Jobs float64
}

// TraceRate turns points (sorted by At) into a rate function and the
// trace's length: the last point lasts as long as the one before it.
func TraceRate(points []TracePoint) (func(time.Duration) float64, time.Duration, error) {
	if len(points) < 2 {
		return nil, 0, fmt.Errorf("scalesim: trace has %d points (want ≥ 2): %w", len(points), ErrInvalid)
	}
	rates := make([]float64, len(points))
	ends := make([]time.Duration, len(points))
	for i, p := range points {
		gap := points[min(i+1, len(points)-1)].At - p.At
		if i == len(points)-1 {
			gap = p.At - points[i-1].At
		}
		if gap <= 0 || p.Jobs < 0 {
			return nil, 0, fmt.Errorf("scalesim: trace point %d (%s, %g jobs): times must increase and jobs be ≥ 0: %w", i+1, p.At, p.Jobs, ErrInvalid)
		}
		rates[i] = p.Jobs / gap.Seconds()
		ends[i] = p.At + gap
	}
	start := points[0].At
	f := func(t time.Duration) float64 {
		i, _ := slices.BinarySearch(ends, t+start+1)
		if i >= len(rates) || t+start < points[0].At {
			return 0
		}
		return rates[i]
	}
	return f, ends[len(ends)-1] - start, nil
}
