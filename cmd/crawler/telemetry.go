package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	gootel "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"

	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/otel"
	"github.com/crawler-service/crawler/otel/cwmetric"
)

// cloudWatchRules turns the metrics table into the CloudWatch and EMF
// exporters' rules: this is where the generic exporters learn the
// crawler's published names and dimension sets. With workerID, the worker
// metrics get the set {WorkerId} beside their defaults; nothing else does.
func cloudWatchRules(table []metrics.Definition, workerID bool) []cwmetric.Rule {
	var rules []cwmetric.Rule
	for _, d := range table {
		if d.CloudWatchName == "" {
			continue
		}
		r := cwmetric.Rule{Instrument: d.Name, Name: d.CloudWatchName, DimensionSets: d.CloudWatchSets(workerID)}
		for _, a := range d.Attributes {
			r.Dimensions = append(r.Dimensions, cwmetric.Dimension{Attribute: a.Key, Name: a.CloudWatch})
		}
		rules = append(rules, r)
	}
	return rules
}

// exporterHealth names the exporters' health instruments after the table.
func exporterHealth() otel.HealthConfig {
	in := func(d metrics.Definition) otel.Instrument {
		return otel.Instrument{Name: d.Name, Unit: d.Unit, Description: d.Description}
	}
	return otel.HealthConfig{
		DatumsSent:    in(metrics.ExporterDatumsSent),
		Requests:      in(metrics.ExporterRequests),
		PointsDropped: in(metrics.ExporterPointsDropped),
		Buffered:      in(metrics.ExporterBuffered),
		ExporterKey:   metrics.AttrExporter, OutcomeKey: metrics.AttrOutcome, ReasonKey: metrics.AttrDropReason,
	}
}

// routeOTelErrors sends the OpenTelemetry SDK's errors (a failed export
// among them: "not delivered, kept for retry") to the service's logger, at
// most one line per distinct message a minute, instead of Go's default
// log package. Call it once, as soon as the logger exists.
func routeOTelErrors(log *slog.Logger) {
	gootel.SetErrorHandler(otel.NewErrorHandler(log, time.Minute))
}

// setupMetrics builds the metrics pipeline of one process from the
// environment.
func setupMetrics(ctx context.Context, process, instanceID string, getenv func(string) string) (*otel.Provider, error) {
	cfg, err := otel.ConfigFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("metrics config: %w", err)
	}
	if cfg.ServiceName == "" {
		cfg.ServiceName = "crawler"
	}
	cfg.ServiceVersion = version
	cfg.ServiceInstanceID = instanceID
	cfg.Attributes = append(cfg.Attributes, attribute.String("crawler.process", process))
	// Per-worker CloudWatch dimensions multiply the bill: opt-in only. In EMF
	// the worker id and task travel as properties at no metric cost.
	workerID := getenv("CLOUDWATCH_WORKER_ID_DIMENSION") == "true"
	cfg.CloudWatch.Rules = cloudWatchRules(metrics.Table, workerID)
	if workerID {
		cfg.CloudWatch.ResourceDimensions = []cwmetric.Dimension{{Attribute: "service.instance.id", Name: metrics.WorkerIDDimension}}
	}
	cfg.EMF.Properties = map[string]string{
		"service.instance.id": "WorkerId",
		"crawler.process":     "Process",
		"aws.ecs.task.arn":    "TaskArn",
	}
	cfg.Health = exporterHealth()
	p, err := otel.Setup(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	// Spans (OTEL_TRACES_EXPORTER, off by default) go through the global
	// provider; nothing records them yet (issue 15's later items).
	gootel.SetTracerProvider(p.TracerProvider())
	return p, nil
}
