package cloudwatchtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

func Example() {
	srv := cloudwatchtest.NewServer()
	defer srv.Close()
	client := cloudwatchtest.NewClient(srv.URL())
	ctx := context.Background()

	// CloudWatch throttles twice; the SDK's retryer tries again.
	srv.FailNext(2, cloudwatchtest.Throttle)
	_, err := client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("CrawlerService"),
		MetricData: []types.MetricDatum{{
			MetricName: aws.String("WorkerJobDuration"),
			Dimensions: []types.Dimension{{Name: aws.String("Status"), Value: aws.String("success")}},
			Values:     []float64{0.25, 1.5},
			Counts:     []float64{3, 1},
			Unit:       types.StandardUnitSeconds,
		}},
	})
	fmt.Println("error:", err)
	for _, d := range srv.Datums() {
		status, _ := d.Dimension("Status")
		fmt.Println(d.Namespace, d.MetricName, status, d.Values, d.Counts, d.Unit)
	}
	fmt.Println("attempts:", srv.Attempts())

	// A limit violation is refused, not retried, and nothing is stored.
	_, err = client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace:  aws.String("AWS/EC2"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("X"), Value: aws.Float64(1)}},
	})
	var invalid *types.InvalidParameterValueException
	fmt.Println("invalid parameter:", errors.As(err, &invalid), invalid.ErrorCode())
	rej := srv.Rejected()[0]
	fmt.Println("rejected for namespace:", errors.Is(rej.Err, cloudwatchtest.ErrNamespace))
	fmt.Println("attempts:", srv.Attempts(), "datums:", len(srv.Datums()))
	// Output:
	// error: <nil>
	// CrawlerService WorkerJobDuration success [0.25 1.5] [3 1] Seconds
	// attempts: 3
	// invalid parameter: true InvalidParameterValue
	// rejected for namespace: true
	// attempts: 4 datums: 1
}
