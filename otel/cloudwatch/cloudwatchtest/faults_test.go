package cloudwatchtest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

func oneDatum() *cloudwatch.PutMetricDataInput {
	return &cloudwatch.PutMetricDataInput{
		Namespace:  aws.String("ns"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("QueueWaitingJobs"), Value: aws.Float64(7)}},
	}
}

// Faults go through the SDK's standard retry rules (FastRetryer only drops
// the backoff sleep), three attempts at most.
func TestFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		inject       func(*cloudwatchtest.Server)
		wantAttempts int
		wantStored   int
		wantCode     string // "" when the call succeeds
		wantStatus   int
		wantThrottle bool
	}{
		{"throttled twice then OK", func(s *cloudwatchtest.Server) { s.FailNext(2, cloudwatchtest.Throttle) }, 3, 1, "", 0, false},
		{"throttled past the retry budget", func(s *cloudwatchtest.Server) { s.FailNext(5, cloudwatchtest.Throttle) }, 3, 0, "Throttling", http.StatusBadRequest, true},
		{"5xx once then OK", func(s *cloudwatchtest.Server) { s.FailNext(1, cloudwatchtest.ServerError) }, 2, 1, "", 0, false},
		{"5xx past the retry budget", func(s *cloudwatchtest.Server) { s.FailNext(3, cloudwatchtest.ServerError) }, 3, 0, "InternalServiceFault", http.StatusInternalServerError, false},
		{"503 twice then OK", func(s *cloudwatchtest.Server) { s.FailNext(2, cloudwatchtest.Down) }, 3, 1, "", 0, false},
		{"down", func(s *cloudwatchtest.Server) { s.SetDown(true) }, 3, 0, "ServiceUnavailable", http.StatusServiceUnavailable, false},
		{"mixed faults then OK", func(s *cloudwatchtest.Server) {
			s.FailNext(1, cloudwatchtest.Throttle)
			s.FailNext(1, cloudwatchtest.ServerError)
		}, 3, 1, "", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			tc.inject(s)
			_, err := s.Client().PutMetricData(context.Background(), oneDatum())
			if got := s.Attempts(); got != tc.wantAttempts {
				t.Errorf("Attempts = %d, want %d", got, tc.wantAttempts)
			}
			if got := len(s.Datums()); got != tc.wantStored {
				t.Errorf("%d datums stored, want %d", got, tc.wantStored)
			}
			if len(s.Rejected()) != 0 {
				t.Errorf("injected faults recorded as rejections: %+v", s.Rejected())
			}
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("PutMetricData: %v", err)
				}
				return
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.wantCode {
				t.Fatalf("error %v, want API error code %s", err, tc.wantCode)
			}
			var respErr *smithyhttp.ResponseError
			if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != tc.wantStatus {
				t.Errorf("error %v, want HTTP status %d", err, tc.wantStatus)
			}
			isThrottle := retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
			if isThrottle != tc.wantThrottle {
				t.Errorf("SDK classifies throttle=%v, want %v", isThrottle, tc.wantThrottle)
			}
		})
	}
}

func TestServerErrorIsModeled(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.FailNext(1, cloudwatchtest.ServerError)
	_, err := s.Client(func(o *cloudwatch.Options) { o.Retryer = cloudwatchtest.FastRetryer(1) }).PutMetricData(context.Background(), oneDatum())
	var fault *types.InternalServiceFault
	if !errors.As(err, &fault) || fault.ErrorMessage() == "" || fault.ErrorFault() != smithy.FaultServer {
		t.Fatalf("error %v (%T), want *types.InternalServiceFault with a message", err, err)
	}
}

func TestDownThenUp(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	client := s.Client()
	s.SetDown(true)
	if _, err := client.PutMetricData(context.Background(), oneDatum()); err == nil {
		t.Fatal("PutMetricData succeeded while down")
	}
	s.Up()
	if _, err := client.PutMetricData(context.Background(), oneDatum()); err != nil {
		t.Fatalf("PutMetricData after Up: %v", err)
	}
	if a, n := s.Attempts(), len(s.Datums()); a != 4 || n != 1 {
		t.Fatalf("Attempts=%d datums=%d, want 4 (3 while down + 1) and 1", a, n)
	}
}

// The client's own retryer, backoff included (up to 2 s of jitter for a
// throttle on the first attempt), retries a throttle too.
func TestDefaultRetryerRetriesThrottle(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.FailNext(1, cloudwatchtest.Throttle)
	client := s.Client(func(o *cloudwatch.Options) { o.Retryer = nil }) // cloudwatch.New then builds retry.NewStandard
	if _, err := client.PutMetricData(context.Background(), oneDatum()); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
	if a, n := s.Attempts(), len(s.Datums()); a != 2 || n != 1 {
		t.Fatalf("Attempts=%d datums=%d, want 2 and 1", a, n)
	}
}
