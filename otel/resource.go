package otel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	ec2 "go.opentelemetry.io/contrib/detectors/aws/ec2/v2"
	"go.opentelemetry.io/contrib/detectors/aws/ecs"
	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
)

// newResource describes the process: service name, version and instance,
// the caller's attributes, and what the configured AWS detectors find. The
// detectors run only when asked (off AWS the EC2 one waits on IMDS) and
// within DetectTimeout. A detector that fails is not fatal, since metrics
// without a task ARN beat no metrics: the error goes to OpenTelemetry's
// error handler and the process runs without those attributes.
func newResource(ctx context.Context, cfg Config) (*resource.Resource, error) {
	name := cfg.ServiceName
	if name == "" {
		name = "unknown_service"
	}
	instance := cfg.ServiceInstanceID
	if instance == "" {
		instance = defaultInstanceID()
	}
	attrs := append([]attribute.KeyValue{}, cfg.Attributes...)
	attrs = append(attrs, semconv.ServiceName(name), semconv.ServiceInstanceID(instance))
	if cfg.ServiceVersion != "" {
		attrs = append(attrs, semconv.ServiceVersion(cfg.ServiceVersion))
	}
	var detectors []resource.Detector
	for _, d := range cfg.Detectors {
		switch d {
		case "ecs":
			detectors = append(detectors, ecs.NewResourceDetector())
		case "ec2":
			detectors = append(detectors, ec2.NewResourceDetector())
		default:
			return nil, fmt.Errorf("otel: %w %q: valid are ecs, ec2", ErrUnknownDetector, d)
		}
	}
	timeout := cfg.DetectTimeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := resource.New(dctx,
		resource.WithDetectors(detectors...),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attrs...), // last: the service's own values win
	)
	if err != nil {
		otelapi.Handle(fmt.Errorf("otel: resource detectors %v: %w", cfg.Detectors, err))
	}
	if res == nil { // resource.New returns one even on error; be sure
		res = resource.NewSchemaless(attrs...)
	}
	return res, nil
}

func defaultInstanceID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
