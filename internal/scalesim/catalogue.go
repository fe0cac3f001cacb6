package scalesim

import (
	"fmt"
	"time"
)

// Names are the scenarios Named knows, in the order the docs show them.
var Names = []string{"steady", "step10x", "burst", "diurnal", "trace", "publisher-outage", "crash-loop"}

// Named builds a scenario of the catalogue. Loads are set against the
// default world: one task serves Concurrency / JobTime = 2 jobs/s, the two
// base workers 4 jobs/s. trace needs the points of a load trace.
func Named(name string, trace []TracePoint) (Scenario, error) {
	const burstJobs = 10000
	step := Window{From: 30 * time.Minute, To: 90 * time.Minute}
	switch name {
	case "steady":
		// 1.5 jobs/s: below one task's capacity, and the base workers'.
		return Scenario{Name: name, Duration: 2 * time.Hour, Rate: Constant(1.5), Poisson: true}, nil
	case "step10x":
		return Scenario{Name: name, Duration: 3 * time.Hour, Rate: StepRate(2, 10, step), Poisson: true, EventAt: step.From}, nil
	case "burst":
		return Scenario{Name: name, Duration: 3 * time.Hour, Rate: Constant(1), Poisson: true,
			Bursts: []Burst{{At: 10 * time.Minute, Jobs: burstJobs}}, EventAt: 10 * time.Minute}, nil
	case "diurnal":
		// A day around 10 jobs/s, from 1 at 03:00 to 19 at 15:00.
		return Scenario{Name: name, Duration: 24 * time.Hour, Rate: DiurnalRate(10, 0.9, 15*time.Hour), Poisson: true}, nil
	case "trace":
		rate, d, err := TraceRate(trace)
		if err != nil {
			return Scenario{}, err
		}
		return Scenario{Name: name, Duration: d, Rate: rate, Poisson: true}, nil
	case "publisher-outage":
		// The burst, and the publisher dies a minute after it lands, before
		// any scale-out, for 15 minutes.
		s, _ := Named("burst", nil)
		s.Name, s.PublisherDown = name, []Window{{From: 11 * time.Minute, To: 26 * time.Minute}}
		return s, nil
	case "crash-loop":
		// The 10× step, and for its first half hour every task crashes 45 s
		// after it starts (a bad image, or memory exhausted under load).
		return Scenario{Name: name, Duration: 3 * time.Hour, Rate: StepRate(2, 10, step), Poisson: true, EventAt: step.From,
			Crash: Window{From: step.From, To: step.From + 30*time.Minute}, CrashAfter: 45 * time.Second}, nil
	}
	return Scenario{}, fmt.Errorf("scalesim: scenario %q (want one of %v): %w", name, Names, ErrInvalid)
}
