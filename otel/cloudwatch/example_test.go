package cloudwatch_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/crawler-service/crawler/otel/cloudwatch"
	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
	"github.com/crawler-service/crawler/otel/cwmetric"
)

func Example() {
	// A fake CloudWatch on loopback stands in for the real endpoint.
	server := cloudwatchtest.NewServer()
	defer server.Close()

	mapper, err := cwmetric.NewMapper([]cwmetric.Rule{{
		Instrument:    "worker.jobs.completed",
		Name:          "WorkerJobsCompleted",
		Dimensions:    []cwmetric.Dimension{{Attribute: "job.status", Name: "Status"}},
		DimensionSets: [][]string{{"Status"}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	exp, err := cloudwatch.New(
		cloudwatch.WithClient(server.Client()), // in production: WithAWSConfig(cfg)
		cloudwatch.WithNamespace("CrawlerService"),
		cloudwatch.WithMapper(mapper),
	)
	if err != nil {
		log.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Minute))))

	ctx := context.Background()
	completed, err := mp.Meter("worker").Int64Counter("worker.jobs.completed", metric.WithUnit("{job}"))
	if err != nil {
		log.Fatal(err)
	}
	completed.Add(ctx, 3, metric.WithAttributes(attribute.String("job.status", "success")))

	// Shutdown exports the last interval before the process exits.
	if err := mp.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	for _, d := range server.Datums() {
		status, _ := d.Dimension("Status")
		fmt.Printf("%s/%s Status=%s %v %s\n", d.Namespace, d.MetricName, status, *d.Value, d.Unit)
	}
	fmt.Printf("datums sent: %d\n", exp.Stats().DatumsSent)
	// Output:
	// CrawlerService/WorkerJobsCompleted Status=success 3 Count
	// datums sent: 1
}
