package main

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"

	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/otel"
	"github.com/crawler-service/crawler/otel/cwmetric"
)

// cloudWatchRules turns the metrics table into the CloudWatch and EMF
// exporters' rules: this is where the generic exporters learn the
// crawler's published names and dimension sets.
func cloudWatchRules(table []metrics.Definition) []cwmetric.Rule {
	var rules []cwmetric.Rule
	for _, d := range table {
		if d.CloudWatchName == "" {
			continue
		}
		r := cwmetric.Rule{Instrument: d.Name, Name: d.CloudWatchName, DimensionSets: d.DimensionSets}
		for _, a := range d.Attributes {
			r.Dimensions = append(r.Dimensions, cwmetric.Dimension{Attribute: a.Key, Name: a.CloudWatch})
		}
		rules = append(rules, r)
	}
	return rules
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
	cfg.CloudWatch.Rules = cloudWatchRules(metrics.Table)
	// Per-worker CloudWatch dimensions multiply the bill: opt-in only. In EMF
	// the worker id and task travel as properties at no metric cost.
	if getenv("CLOUDWATCH_WORKER_ID_DIMENSION") == "true" {
		cfg.CloudWatch.ResourceDimensions = []cwmetric.Dimension{{Attribute: "service.instance.id", Name: "WorkerId"}}
	}
	cfg.EMF.Properties = map[string]string{
		"service.instance.id": "WorkerId",
		"crawler.process":     "Process",
		"aws.ecs.task.arn":    "TaskArn",
	}
	p, err := otel.Setup(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return p, nil
}
