package scaleconf

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/scalesim"
)

const deployDir = "../../deploy/terraform"

// The module's numbers, read through Terraform's expressions, are the
// numbers of the policy files of record, read directly.
func TestReadDeployed(t *testing.T) {
	t.Parallel()
	d, err := Read(deployDir, "")
	if err != nil {
		t.Fatal(err)
	}
	var tt struct {
		TargetTrackingScalingPolicyConfiguration struct {
			TargetValue                       float64
			ScaleOutCooldown, ScaleInCooldown int
			DisableScaleIn                    bool
			CustomizedMetricSpecification     struct{ MetricName, Statistic string }
		}
	}
	readJSON(t, "../../deploy/cloudwatch/scaling-target-tracking.json", &tt)
	c := tt.TargetTrackingScalingPolicyConfiguration
	got := d.Tracking.Tracking
	if got.TargetValue != c.TargetValue || got.ScaleOutCooldown != time.Duration(c.ScaleOutCooldown)*time.Second ||
		got.ScaleInCooldown != time.Duration(c.ScaleInCooldown)*time.Second || got.DisableScaleIn != c.DisableScaleIn ||
		got.MetricName != c.CustomizedMetricSpecification.MetricName || got.Statistic != c.CustomizedMetricSpecification.Statistic {
		t.Errorf("target tracking %+v, file says %+v", got, c)
	}
	if d.Mode != scalesim.StepScaling || d.Tracking.MinCapacity != 0 || d.Tracking.MaxCapacity < 1 {
		t.Errorf("mode %q, capacity %d..%d", d.Mode, d.Tracking.MinCapacity, d.Tracking.MaxCapacity)
	}

	var step struct {
		Policies []struct {
			PolicyName                     string
			StepScalingPolicyConfiguration struct {
				Cooldown        int
				StepAdjustments []struct {
					MetricIntervalLowerBound, MetricIntervalUpperBound *float64
					ScalingAdjustment                                  int
				}
			}
		}
		Alarms []struct {
			AlarmName         string
			Threshold         float64
			EvaluationPeriods int
		}
	}
	readJSON(t, "../../deploy/cloudwatch/scaling-step.json", &step)
	for _, p := range step.Policies {
		a := d.Step.Step.Out
		if p.StepScalingPolicyConfiguration.StepAdjustments[0].ScalingAdjustment < 0 {
			a = d.Step.Step.In
		}
		if a.Name != p.PolicyName || a.Cooldown != time.Duration(p.StepScalingPolicyConfiguration.Cooldown)*time.Second ||
			len(a.Adjustments) != len(p.StepScalingPolicyConfiguration.StepAdjustments) {
			t.Fatalf("step policy %+v, file says %+v", a, p)
		}
		for i, s := range p.StepScalingPolicyConfiguration.StepAdjustments {
			lo, hi := math.Inf(-1), math.Inf(1)
			if s.MetricIntervalLowerBound != nil {
				lo = *s.MetricIntervalLowerBound
			}
			if s.MetricIntervalUpperBound != nil {
				hi = *s.MetricIntervalUpperBound
			}
			if got := a.Adjustments[i]; got != (scalesim.Adjustment{Lower: lo, Upper: hi, Change: s.ScalingAdjustment}) {
				t.Errorf("%s step %d: %+v, file says %+v", a.Name, i, got, s)
			}
		}
	}
	for _, al := range step.Alarms {
		a := d.Step.Step.Out.Alarm
		if a.Name != al.AlarmName {
			a = d.Step.Step.In.Alarm
		}
		if a.Name != al.AlarmName || a.Threshold != al.Threshold || a.EvaluationPeriods != al.EvaluationPeriods || a.Period != time.Minute {
			t.Errorf("alarm %+v, file says %+v", a, al)
		}
	}

	s := d.Tracking.Silent
	if s.Name != SilentAlarm || s.MetricName != scalesim.MetricBacklog || s.Statistic != "SampleCount" ||
		s.TreatMissingData != "breaching" || s.EvaluationPeriods != 5 || s.DatapointsToAlarm != 5 {
		t.Errorf("silent alarm %+v", s)
	}
	for _, k := range []scalesim.Kind{scalesim.TargetTracking, scalesim.StepScaling} {
		if err := d.Policy(k).Validate(); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestReadLiteralModule(t *testing.T) {
	t.Parallel()
	d, err := Read(filepath.Join("testdata", "literal"), "silent")
	if err != nil {
		t.Fatal(err)
	}
	p := d.Tracking
	if p.MinCapacity != 1 || p.MaxCapacity != 8 || p.Tracking.TargetValue != 3 || p.Tracking.ScaleInCooldown != 10*time.Minute {
		t.Errorf("target tracking %s", p)
	}
	s := d.Step.Step
	if s.Out.Name != "up" || s.Out.Alarm.Name != "high" || s.Out.Adjustments[0].Change != 2 || !math.IsInf(s.Out.Adjustments[0].Upper, 1) ||
		s.In.Name != "down" || s.In.Alarm.Name != "low" || s.In.Cooldown != 2*time.Minute {
		t.Errorf("step %+v", s)
	}
	if d.Step.Silent.EvaluationPeriods != 3 {
		t.Errorf("silent %+v", d.Step.Silent)
	}
}

func TestReadIncompleteModule(t *testing.T) {
	t.Parallel()
	if _, err := Read(filepath.Join("testdata", "nosteps"), "silent"); !errors.Is(err, ErrNotFound) {
		t.Errorf("module without policies: %v", err)
	}
	if _, err := Read(t.TempDir(), ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty dir: %v", err)
	}
}
