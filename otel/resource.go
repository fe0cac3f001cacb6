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
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
)

// newResource describes the process: service name, version and instance,
// the caller's attributes, and what the configured AWS detectors find. The
// detectors run only when asked (off AWS the EC2 one waits on IMDS) and
// within DetectTimeout; a detector that fails is logged by the caller's
// choice of detectors, not fatal: the process runs without those attributes.
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
			return nil, fmt.Errorf("otel: unknown resource detector %q: valid are ecs, ec2", d)
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
	if err != nil && res == nil {
		return nil, fmt.Errorf("otel: resource: %w", err)
	}
	// A partial resource (a detector timed out) is still worth running with.
	return res, nil
}

func defaultInstanceID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
