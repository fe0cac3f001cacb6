package scalesim

import "time"

// deployed mirrors deploy/cloudwatch/scaling-*.json, alarms.json and
// variables.tf; internal/scaleconf's tests hold the files to these numbers.
func deployed(kind Kind) Policy {
	inf := Open
	return Policy{
		Kind: kind, MinCapacity: 0, MaxCapacity: 20,
		Tracking: Tracking{MetricName: MetricBacklog, Statistic: "Average", TargetValue: 20,
			ScaleOutCooldown: time.Minute, ScaleInCooldown: 5 * time.Minute},
		Step: Step{
			Out: StepAction{Name: "out", AdjustmentType: "ChangeInCapacity", Cooldown: time.Minute,
				Alarm: Alarm{Name: "crawler-waiting-high", MetricName: MetricWaiting, Statistic: "Maximum", Period: time.Minute,
					EvaluationPeriods: 2, Threshold: 100, Comparison: "GreaterThanThreshold", TreatMissingData: "notBreaching"},
				Adjustments: []Adjustment{{0, 400, 1}, {400, 1900, 3}, {1900, inf, 6}}},
			In: StepAction{Name: "in", AdjustmentType: "ChangeInCapacity", Cooldown: 5 * time.Minute,
				Alarm: Alarm{Name: "crawler-waiting-low", MetricName: MetricWaiting, Statistic: "Maximum", Period: time.Minute,
					EvaluationPeriods: 15, Threshold: 10, Comparison: "LessThanThreshold", TreatMissingData: "notBreaching"},
				Adjustments: []Adjustment{{-inf, 0, -1}}},
		},
		Silent: Alarm{Name: "crawler-publisher-silent", MetricName: MetricBacklog, Statistic: "SampleCount", Period: time.Minute,
			EvaluationPeriods: 5, DatapointsToAlarm: 5, Threshold: 1, Comparison: "LessThanThreshold", TreatMissingData: "breaching"},
	}
}
