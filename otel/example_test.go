package otel_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/otel"
)

func ExampleSetup() {
	ctx := context.Background()
	// In a program: cfg, err := otel.ConfigFromEnv(os.Getenv).
	p, err := otel.Setup(ctx, otel.Config{
		Exporters:         []string{"prometheus"},
		ServiceName:       "crawler",
		ServiceInstanceID: "worker-1",
		Attributes:        []attribute.KeyValue{attribute.String("crawler.process", "worker")},
		NoRuntimeMetrics:  true, // keep the output short
	})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		// Flush with a context of its own: the caller's may be cancelled
		// already when a stopping process gets here.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			log.Print(err)
		}
	}()

	jobs, _ := p.MeterProvider().Meter("crawler").Int64Counter("crawler.worker.jobs.completed",
		metric.WithUnit("{job}"), metric.WithDescription("Job attempts finished."))
	jobs.Add(ctx, 2, metric.WithAttributes(attribute.String("crawler.job.status", "success")))

	// Serve p.PrometheusHandler() on /metrics; here, one scrape.
	rec := httptest.NewRecorder()
	p.PrometheusHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.Contains(line, "crawler_worker_jobs") {
			fmt.Println(line)
		}
	}
	// Output:
	// # HELP crawler_worker_jobs_completed_total Job attempts finished.
	// # TYPE crawler_worker_jobs_completed_total counter
	// crawler_worker_jobs_completed_total{crawler_job_status="success"} 2
}

func ExampleParseExporters() {
	fmt.Println(otel.ParseExporters("Prometheus, cloudwatch,prometheus"))
	_, err := otel.ParseExporters("prometheus,statsd")
	fmt.Println(err)
	// Output:
	// [prometheus cloudwatch] <nil>
	// unknown metrics exporter "statsd": valid are prometheus, cloudwatch, emf, otlp, console, none
}

func ExampleConfigFromEnv() {
	environment := map[string]string{
		"OTEL_METRICS_EXPORTER":       "prometheus",
		"CLOUDWATCH_METRICS_ENABLED":  "true",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
		"OTEL_METRIC_EXPORT_INTERVAL": "30000",
	}
	cfg, err := otel.ConfigFromEnv(func(k string) string { return environment[k] })
	fmt.Println(cfg.Exporters, cfg.ExportInterval, cfg.OTLP.Endpoint, err)

	environment["OTEL_METRIC_EXPORT_INTERVAL"] = "30s"
	_, err = otel.ConfigFromEnv(func(k string) string { return environment[k] })
	fmt.Println(err)
	// Output:
	// [prometheus cloudwatch] 30s http://collector:4318/v1/metrics <nil>
	// OTEL_METRIC_EXPORT_INTERVAL="30s": want a positive number of milliseconds
}
