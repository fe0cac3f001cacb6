package cloudwatchtest_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

func datum(mod func(*types.MetricDatum)) types.MetricDatum {
	d := types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1)}
	if mod != nil {
		mod(&d)
	}
	return d
}

func data(n int, mod func(*types.MetricDatum)) []types.MetricDatum {
	out := make([]types.MetricDatum, n)
	for i := range out {
		out[i] = datum(mod)
	}
	return out
}

func dims(n, nameLen, valueLen int) []types.Dimension {
	out := make([]types.Dimension, n)
	for i := range out {
		// A distinct first byte keeps names unique at any length.
		name := ""
		if nameLen > 0 {
			name = string(rune('A'+i%26)) + strings.Repeat("n", nameLen-1)
		}
		out[i] = types.Dimension{Name: aws.String(name), Value: aws.String(strings.Repeat("v", valueLen))}
	}
	return out
}

func values(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v + float64(i)
	}
	return out
}

// Each case is one request through the real SDK client. Accepted cases sit
// on the boundary of the rule the case beside them breaks.
func TestLimits(t *testing.T) {
	t.Parallel()
	stats := func(sum float64) *types.StatisticSet {
		return &types.StatisticSet{SampleCount: aws.Float64(2), Sum: aws.Float64(sum), Minimum: aws.Float64(0), Maximum: aws.Float64(1)}
	}
	cases := []struct {
		name      string
		namespace string
		data      []types.MetricDatum
		want      error // nil: accepted
	}{
		{"1000 datums", "ns", data(1000, nil), nil},
		{"1001 datums", "ns", data(1001, nil), cloudwatchtest.ErrTooManyDatums},
		{"over 1 MiB uncompressed", "ns", data(1000, func(d *types.MetricDatum) {
			d.Value, d.Values, d.Counts = nil, values(150, 0.5), values(150, 1.5)
		}), cloudwatchtest.ErrRequestTooLarge},
		{"150 values with counts", "ns", data(1, func(d *types.MetricDatum) { d.Value, d.Values, d.Counts = nil, values(150, 0), values(150, 1) }), nil},
		{"151 values", "ns", data(1, func(d *types.MetricDatum) { d.Value, d.Values = nil, values(151, 0) }), cloudwatchtest.ErrTooManyValues},
		{"counts shorter than values", "ns", data(1, func(d *types.MetricDatum) { d.Value, d.Values, d.Counts = nil, values(3, 0), values(2, 1) }), cloudwatchtest.ErrCountsMismatch},
		{"30 dimensions of max size", "ns", data(1, func(d *types.MetricDatum) { d.Dimensions = dims(30, 255, 1024) }), nil},
		{"31 dimensions", "ns", data(1, func(d *types.MetricDatum) { d.Dimensions = dims(31, 5, 5) }), cloudwatchtest.ErrTooManyDimensions},
		{"empty dimension name", "ns", data(1, func(d *types.MetricDatum) { d.Dimensions = dims(1, 0, 5) }), cloudwatchtest.ErrDimensionName},
		{"256-char dimension name", "ns", data(1, func(d *types.MetricDatum) { d.Dimensions = dims(1, 256, 5) }), cloudwatchtest.ErrDimensionName},
		{"empty dimension value", "ns", data(1, func(d *types.MetricDatum) { d.Dimensions = dims(1, 5, 0) }), cloudwatchtest.ErrDimensionValue},
		{"1025-char dimension value", "ns", data(1, func(d *types.MetricDatum) { d.Dimensions = dims(1, 5, 1025) }), cloudwatchtest.ErrDimensionValue},
		{"255-char metric name", "ns", data(1, func(d *types.MetricDatum) { d.MetricName = aws.String(strings.Repeat("m", 255)) }), nil},
		{"256-char metric name", "ns", data(1, func(d *types.MetricDatum) { d.MetricName = aws.String(strings.Repeat("m", 256)) }), cloudwatchtest.ErrMetricName},
		{"empty metric name", "ns", data(1, func(d *types.MetricDatum) { d.MetricName = aws.String("") }), cloudwatchtest.ErrMetricName},
		{"empty namespace", "", data(1, nil), cloudwatchtest.ErrNamespace},
		{"AWS/ namespace", "AWS/EC2", data(1, nil), cloudwatchtest.ErrNamespace},
		{"timestamp 14 days back", "ns", data(1, func(d *types.MetricDatum) { d.Timestamp = aws.Time(now.Add(-cloudwatchtest.MaxAge + time.Second)) }), nil},
		{"timestamp 15 days back", "ns", data(1, func(d *types.MetricDatum) { d.Timestamp = aws.Time(now.Add(-15 * 24 * time.Hour)) }), cloudwatchtest.ErrTimestamp},
		{"timestamp 2 hours ahead", "ns", data(1, func(d *types.MetricDatum) { d.Timestamp = aws.Time(now.Add(cloudwatchtest.MaxAhead)) }), nil},
		{"timestamp 3 hours ahead", "ns", data(1, func(d *types.MetricDatum) { d.Timestamp = aws.Time(now.Add(3 * time.Hour)) }), cloudwatchtest.ErrTimestamp},
		{"NaN value", "ns", data(1, func(d *types.MetricDatum) { d.Value = aws.Float64(math.NaN()) }), cloudwatchtest.ErrValueNotFinite},
		{"+Inf in values", "ns", data(1, func(d *types.MetricDatum) { d.Value, d.Values = nil, []float64{1, math.Inf(1)} }), cloudwatchtest.ErrValueNotFinite},
		{"-Inf in counts", "ns", data(1, func(d *types.MetricDatum) { d.Value, d.Values, d.Counts = nil, []float64{1}, []float64{math.Inf(-1)} }), cloudwatchtest.ErrValueNotFinite},
		{"NaN statistic sum", "ns", data(1, func(d *types.MetricDatum) { d.Value, d.StatisticValues = nil, stats(math.NaN()) }), cloudwatchtest.ErrValueNotFinite},
		{"value beyond 2^360", "ns", data(1, func(d *types.MetricDatum) { d.Value = aws.Float64(math.Ldexp(1, 361)) }), cloudwatchtest.ErrValueRange},
		{"value and values", "ns", data(1, func(d *types.MetricDatum) { d.Values = []float64{1} }), cloudwatchtest.ErrValueConflict},
		{"value and statistic values", "ns", data(1, func(d *types.MetricDatum) { d.StatisticValues = stats(1) }), cloudwatchtest.ErrValueConflict},
		{"unit Count/Second", "ns", data(1, func(d *types.MetricDatum) { d.Unit = types.StandardUnitCountSecond }), nil},
		{"unknown unit", "ns", data(1, func(d *types.MetricDatum) { d.Unit = "Furlongs" }), cloudwatchtest.ErrUnit},
		{"storage resolution 30", "ns", data(1, func(d *types.MetricDatum) { d.StorageResolution = aws.Int32(30) }), cloudwatchtest.ErrStorageResolution},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			_, err := s.Client().PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
				Namespace: aws.String(tc.namespace), MetricData: tc.data,
			})
			if s.Attempts() != 1 {
				t.Errorf("Attempts = %d, want 1 (a rejection must not be retried)", s.Attempts())
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("PutMetricData: %v, want accepted", err)
				}
				if got := len(s.Datums()); got != len(tc.data) {
					t.Fatalf("%d datums stored, want %d", got, len(tc.data))
				}
				return
			}
			var ipv *types.InvalidParameterValueException
			if !errors.As(err, &ipv) {
				t.Fatalf("error %v (%T), want *types.InvalidParameterValueException", err, err)
			}
			if ipv.ErrorCode() != "InvalidParameterValue" {
				t.Errorf("ErrorCode = %q, want InvalidParameterValue (from X-Amzn-Query-Error)", ipv.ErrorCode())
			}
			rej := s.Rejected()
			if len(rej) != 1 || !errors.Is(rej[0].Err, tc.want) || rej[0].Code != "InvalidParameterValue" {
				t.Fatalf("Rejected = %+v, want one InvalidParameterValue wrapping %v", rej, tc.want)
			}
			if ipv.ErrorMessage() != rej[0].Reason() {
				t.Errorf("client saw message %q, server recorded %q", ipv.ErrorMessage(), rej[0].Reason())
			}
			if n := len(s.Datums()); n != 0 {
				t.Errorf("%d datums stored from a rejected request", n)
			}
		})
	}
}
