package cloudwatchtest_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// now is the fixed clock of every test that sends timestamps; the
// milliseconds make truncation bugs visible.
var now = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func fixedClock() time.Time { return now }

func newServer(t *testing.T) *cloudwatchtest.Server {
	t.Helper()
	s := cloudwatchtest.NewServer(cloudwatchtest.WithClock(fixedClock))
	t.Cleanup(s.Close)
	return s
}

func TestRoundTripEveryField(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ts := now.Add(-90*time.Minute + 7*time.Millisecond)
	in := &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("CrawlerService"),
		MetricData: []types.MetricDatum{
			{
				MetricName:        aws.String("WorkerJobDuration"),
				Dimensions:        []types.Dimension{{Name: aws.String("Status"), Value: aws.String("success")}, {Name: aws.String("Method"), Value: aws.String("http")}},
				Timestamp:         aws.Time(ts),
				Values:            []float64{0.12, 0.5, 3.25},
				Counts:            []float64{4, 1, 2},
				Unit:              types.StandardUnitSeconds,
				StorageResolution: aws.Int32(1),
			},
			{
				MetricName:      aws.String("WorkerJobsCompleted"),
				StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(3), Sum: aws.Float64(7.5), Minimum: aws.Float64(-1), Maximum: aws.Float64(6)},
				Unit:            types.StandardUnitCount,
			},
			{
				MetricName:        aws.String("QueueWaitingJobs"),
				Value:             aws.Float64(42),
				StorageResolution: aws.Int32(60),
				Timestamp:         aws.Time(now),
			},
		},
		EntityMetricData: []types.EntityMetricData{{
			Entity: &types.Entity{
				KeyAttributes: map[string]string{"Type": "Service", "Name": "crawler"},
				Attributes:    map[string]string{"PlatformType": "AWS::ECS"},
			},
			MetricData: []types.MetricDatum{{MetricName: aws.String("WorkerHeartbeat"), Value: aws.Float64(1), Unit: types.StandardUnitNone}},
		}},
	}
	if _, err := s.Client().PutMetricData(context.Background(), in); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}

	want := []cloudwatchtest.Datum{
		{
			Namespace: "CrawlerService", MetricName: "WorkerJobDuration",
			Dimensions: []cloudwatchtest.Dimension{{Name: "Status", Value: "success"}, {Name: "Method", Value: "http"}},
			Timestamp:  ts, Values: []float64{0.12, 0.5, 3.25}, Counts: []float64{4, 1, 2},
			Unit: "Seconds", StorageResolution: 1,
		},
		{
			Namespace: "CrawlerService", MetricName: "WorkerJobsCompleted",
			StatisticValues: &cloudwatchtest.StatisticSet{SampleCount: 3, Sum: 7.5, Minimum: -1, Maximum: 6},
			Unit:            "Count",
		},
		{Namespace: "CrawlerService", MetricName: "QueueWaitingJobs", Value: aws.Float64(42), StorageResolution: 60, Timestamp: now},
		{
			Namespace: "CrawlerService", MetricName: "WorkerHeartbeat", Value: aws.Float64(1), Unit: "None",
			Entity: &cloudwatchtest.Entity{
				KeyAttributes: map[string]string{"Type": "Service", "Name": "crawler"},
				Attributes:    map[string]string{"PlatformType": "AWS::ECS"},
			},
		},
	}
	got := s.Datums()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("datums differ\n got: %+v\nwant: %+v", got, want)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Namespace != "CrawlerService" || len(reqs[0].Datums) != 4 {
		t.Fatalf("requests = %+v, want one CrawlerService request of 4 datums", reqs)
	}
	if !reqs[0].Gzipped || reqs[0].Size == 0 {
		t.Errorf("Gzipped=%v Size=%d, want a gzipped body of known size", reqs[0].Gzipped, reqs[0].Size)
	}
	if p := reqs[0].Header.Get("Smithy-Protocol"); p != "rpc-v2-cbor" {
		t.Errorf("Smithy-Protocol = %q", p)
	}
	if v, ok := got[0].Dimension("Method"); !ok || v != "http" {
		t.Errorf("Dimension(Method) = %q, %v", v, ok)
	}
	if n := len(s.DatumsNamed("QueueWaitingJobs")); n != 1 {
		t.Errorf("DatumsNamed(QueueWaitingJobs) = %d datums, want 1", n)
	}
	if a, r := s.Attempts(), len(s.Rejected()); a != 1 || r != 0 {
		t.Errorf("Attempts=%d Rejected=%d, want 1 and 0", a, r)
	}
}

// Every millisecond of a second survives the SDK's float seconds encoding.
func TestTimestampMilliseconds(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	base := now.Truncate(time.Second).Add(-time.Hour)
	data := make([]types.MetricDatum, 1000)
	for i := range data {
		data[i] = types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(float64(i)), Timestamp: aws.Time(base.Add(time.Duration(i) * time.Millisecond))}
	}
	if _, err := s.Client().PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("ns"), MetricData: data}); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
	got := s.Datums()
	if len(got) != len(data) {
		t.Fatalf("%d datums stored, want %d", len(got), len(data))
	}
	for i, d := range got {
		if want := base.Add(time.Duration(i) * time.Millisecond); !d.Timestamp.Equal(want) {
			t.Fatalf("datum %d: Timestamp %s, want %s", i, d.Timestamp.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	}
}

func TestResetAndClose(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	client := s.Client()
	put := func() error {
		_, err := client.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
			Namespace: aws.String("ns"), MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}},
		})
		return err
	}
	if err := put(); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
	s.FailNext(1, cloudwatchtest.Throttle)
	s.SetDown(true)
	s.Reset()
	if len(s.Requests()) != 0 || len(s.Datums()) != 0 || s.Attempts() != 0 || len(s.Rejected()) != 0 {
		t.Fatalf("Reset left state behind")
	}
	if err := put(); err != nil {
		t.Fatalf("after Reset, PutMetricData: %v (faults and outage should be gone)", err)
	}
	if s.Attempts() != 1 {
		t.Fatalf("Attempts = %d, want 1", s.Attempts())
	}
	s.Close()
	s.Close()
	if err := put(); err == nil {
		t.Fatal("PutMetricData after Close succeeded")
	}
}
