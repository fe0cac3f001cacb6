package emf_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"regexp"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/crawler-service/crawler/otel/cwmetric"
	"github.com/crawler-service/crawler/otel/emf"
)

func Example() {
	mapper, err := cwmetric.NewMapper([]cwmetric.Rule{{
		Instrument: "crawler.worker.job.duration",
		Name:       "WorkerJobDuration",
		Dimensions: []cwmetric.Dimension{
			{Attribute: "crawler.job.status", Name: "Status"},
			{Attribute: "crawler.job.method", Name: "Method"},
		},
		DimensionSets: [][]string{{"Status", "Method"}, {"Status"}}, // a rollup per Status
	}})
	if err != nil {
		log.Fatal(err)
	}
	var out bytes.Buffer // os.Stdout when WithWriter is not given
	exp, err := emf.New(
		emf.WithNamespace("CrawlerService"),
		emf.WithMapper(mapper),
		emf.WithWriter(&out),
		// The worker's id rides along for Logs Insights without adding a metric.
		emf.WithProperties(cwmetric.Dimension{Attribute: "service.instance.id", Name: "WorkerId"}),
	)
	if err != nil {
		log.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.instance.id", "worker-1"))),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Minute))),
	)
	duration, _ := mp.Meter("crawler").Float64Histogram("crawler.worker.job.duration", metric.WithUnit("s"))
	ctx := context.Background()
	for _, seconds := range []float64{0.25, 0.5, 1.5} {
		duration.Record(ctx, seconds, metric.WithAttributes(
			attribute.String("crawler.job.status", "success"), attribute.String("crawler.job.method", "http")))
	}
	if err := mp.Shutdown(ctx); err != nil { // writes the last interval
		log.Fatal(err)
	}
	// The timestamp is the collection time; pin it so the output is stable.
	os.Stdout.Write(regexp.MustCompile(`"Timestamp":\d+`).ReplaceAll(out.Bytes(), []byte(`"Timestamp":1798761600000`)))
	fmt.Println("datums written:", exp.Stats().Datums)
	// Output:
	// {"_aws":{"Timestamp":1798761600000,"CloudWatchMetrics":[{"Namespace":"CrawlerService","Dimensions":[["Status","Method"],["Status"]],"Metrics":[{"Name":"WorkerJobDuration","Unit":"Seconds","StorageResolution":60}]}]},"Status":"success","Method":"http","WorkerId":"worker-1","WorkerJobDuration":{"Values":[0.25,0.5,1.5],"Counts":[1,1,1],"Max":1.5,"Min":0.25,"Count":3,"Sum":2.25}}
	// datums written: 1
}
