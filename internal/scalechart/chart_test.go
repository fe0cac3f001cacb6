package scalechart

import (
	"bytes"
	"image/png"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/crawler-service/crawler/internal/scalesim"
)

func TestWriteDrawsAPNG(t *testing.T) {
	t.Parallel()
	sc, err := scalesim.Named("publisher-outage", nil)
	if err != nil {
		t.Fatal(err)
	}
	sc.Duration = 40 * time.Minute
	p := scalesim.Policy{Kind: scalesim.TargetTracking, MaxCapacity: 20,
		Tracking: scalesim.Tracking{MetricName: scalesim.MetricBacklog, Statistic: "Average", TargetValue: 20, ScaleOutCooldown: time.Minute, ScaleInCooldown: 5 * time.Minute},
		Silent: scalesim.Alarm{Name: "silent", MetricName: scalesim.MetricBacklog, Statistic: "SampleCount", Period: time.Minute,
			EvaluationPeriods: 5, Threshold: 1, Comparison: "LessThanThreshold", TreatMissingData: "breaching"}}
	r, err := scalesim.Run(sc, p, scalesim.DefaultWorld())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, r, 4*vg.Inch, 5*vg.Inch); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 400 {
		t.Errorf("image %v", b)
	}
}
