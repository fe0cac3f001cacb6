package scalesim

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAlarmMissingData(t *testing.T) {
	t.Parallel()
	base := Alarm{MetricName: "M", Statistic: "Maximum", Period: time.Minute, EvaluationPeriods: 3,
		Threshold: 10, Comparison: "GreaterThanThreshold"}
	for _, tc := range []struct {
		treat string
		data  map[int]float64 // minute → value; minutes 0..2 are evaluated
		want  State
	}{
		{"missing", map[int]float64{0: 11, 1: 12, 2: 13}, InAlarm},
		{"missing", map[int]float64{0: 11, 1: 9, 2: 13}, OK},
		{"missing", map[int]float64{0: 11, 2: 13}, InsufficientData},
		{"missing", map[int]float64{}, InsufficientData},
		{"breaching", map[int]float64{0: 11}, InAlarm},
		{"breaching", map[int]float64{0: 1}, OK},
		{"notBreaching", map[int]float64{0: 11, 1: 11}, OK},
		{"notBreaching", map[int]float64{}, OK},
	} {
		st := newStore()
		for m, v := range tc.data {
			st.put("M", m, v)
		}
		a := base
		a.TreatMissingData = tc.treat
		if got := a.evaluate(st, 3, InsufficientData); got != tc.want {
			t.Errorf("%s %v: %s, want %s", tc.treat, tc.data, got, tc.want)
		}
	}
}

func TestSampleCountOfSilence(t *testing.T) {
	t.Parallel()
	st := newStore()
	st.put(MetricBacklog, 0, 5)
	st.put(MetricBacklog, 0, 7)
	if v, ok := st.stat(MetricBacklog, "SampleCount", 0, 1); !ok || v != 2 {
		t.Errorf("SampleCount = %v, %v", v, ok)
	}
	if _, ok := st.stat(MetricBacklog, "SampleCount", 1, 2); ok {
		t.Error("an empty minute has a SampleCount; CloudWatch reports it missing")
	}
	if v, _ := st.stat(MetricBacklog, "Average", 0, 1); v != 6 {
		t.Errorf("Average = %v", v)
	}
}

func TestProportional(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cur          int
		metric, targ float64
		want         int
	}{
		{2, 150, 20, 15}, {4, 20, 20, 4}, {4, 21, 20, 5}, {20, 0, 20, 0}, {10, 17, 20, 9}, {0, 500, 20, 1}, {0, 10, 20, 0},
	} {
		if got := proportional(tc.cur, tc.metric, tc.targ); got != tc.want {
			t.Errorf("proportional(%d, %g, %g) = %d, want %d", tc.cur, tc.metric, tc.targ, got, tc.want)
		}
	}
}

func TestStepAdjustment(t *testing.T) {
	t.Parallel()
	out := deployed(StepScaling).Step.Out.Adjustments
	for diff, want := range map[float64]int{0: 1, 399: 1, 400: 3, 1899: 3, 1900: 6, 1e6: 6} {
		if a, ok := adjustment(out, diff); !ok || a.Change != want {
			t.Errorf("waiting = threshold + %g: %+v %v, want %d", diff, a, ok, want)
		}
	}
	in := deployed(StepScaling).Step.In.Adjustments
	if a, ok := adjustment(in, -3); !ok || a.Change != -1 {
		t.Errorf("below the low threshold: %+v %v", a, ok)
	}
}

// Step scaling during its cooldown adds only what a larger step asks for
// beyond the capacity already added.
func TestStepCooldownCountsAddedCapacity(t *testing.T) {
	t.Parallel()
	p := deployed(StepScaling)
	p.Step.Out.Cooldown = 5 * time.Minute
	s := newScaler(p)
	s.scaleOut(time.Minute, 100+500)  // +3
	s.scaleOut(2*time.Minute, 100+50) // +1 during cooldown: already have 3
	s.scaleOut(3*time.Minute, 100+5000)
	if s.desired != 6 {
		t.Errorf("desired %d after +3, +1, +6 in one cooldown, want 6", s.desired)
	}
	s.scaleOut(7*time.Minute, 100+5000)
	if s.desired != 12 {
		t.Errorf("desired %d after the cooldown, want 12", s.desired)
	}
}

func TestQueueKeepsOrder(t *testing.T) {
	t.Parallel()
	var q queue
	q.push(10, 2)
	q.push(12, 1)
	q.push(5, 1) // given back: older than the rest
	q.push(11, 1)
	var got []int64
	for {
		at, ok := q.pop()
		if !ok {
			break
		}
		got = append(got, at)
	}
	if want := []int64{5, 10, 10, 11, 12}; !slices.Equal(got, want) {
		t.Errorf("popped %v, want %v", got, want)
	}
}

func TestReadTrace(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/trace.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pts, err := ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 24 || pts[0].At != 0 || pts[1].At != 5*time.Minute || pts[6].Jobs != 6000 {
		t.Fatalf("points %v", pts)
	}
	rate, d, err := TraceRate(pts)
	if err != nil || d != 2*time.Hour {
		t.Fatalf("duration %s, %v", d, err)
	}
	if got := rate(31 * time.Minute); got != 20 {
		t.Errorf("rate at 31m = %g, want 6000 jobs / 300 s", got)
	}
	secs, err := ReadTrace(strings.NewReader("0,60\n60,120\n"))
	if err != nil || len(secs) != 2 || secs[1].At != time.Minute {
		t.Errorf("seconds trace: %v %v", secs, err)
	}
	if _, err := ReadTrace(strings.NewReader("0,60\nlater,1\n")); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad row: %v", err)
	}
}

// Every scenario of the catalogue runs under both policies, and no job is
// lost or made up: arrived = done + waiting + in flight at the end.
func TestCatalogueConservesJobs(t *testing.T) {
	t.Parallel()
	f, _ := os.ReadFile("testdata/trace.csv")
	pts, _ := ReadTrace(strings.NewReader(string(f)))
	for _, name := range Names {
		for _, k := range []Kind{TargetTracking, StepScaling} {
			sc, err := Named(name, pts)
			if err != nil {
				t.Fatal(err)
			}
			w := DefaultWorld().withDefaults()
			m := newModel(sc, deployed(k), w)
			m.run()
			inFlight := m.activeJobs() + len(m.reclaim)
			if m.arrived != m.done+m.q.total+inFlight {
				t.Errorf("%s/%s: arrived %d ≠ done %d + waiting %d + in flight %d", name, k, m.arrived, m.done, m.q.total, inFlight)
			}
		}
	}
	if _, err := Named("nope", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown scenario: %v", err)
	}
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	sc, _ := Named("steady", nil)
	bad := deployed(TargetTracking)
	bad.Tracking.TargetValue = 0
	if _, err := Run(sc, bad, DefaultWorld()); !errors.Is(err, ErrInvalid) {
		t.Errorf("target 0: %v", err)
	}
	w := DefaultWorld()
	w.StartMax = time.Second
	if _, err := Run(sc, deployed(TargetTracking), w); !errors.Is(err, ErrInvalid) {
		t.Errorf("start max below min: %v", err)
	}
}

// A day of one-second steps: the issue asks for well under a second.
func BenchmarkDiurnalDay(b *testing.B) {
	sc, _ := Named("diurnal", nil)
	for b.Loop() {
		if _, err := Run(sc, deployed(TargetTracking), DefaultWorld()); err != nil {
			b.Fatal(err)
		}
	}
}
