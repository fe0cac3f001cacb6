package otel_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/crawler-service/crawler/otel"
)

// env is a fake environment: tests hand ConfigFromEnv a map instead of
// touching the process's own, so they run in parallel.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func TestConfigFromEnvDefaults(t *testing.T) {
	t.Parallel()
	c, err := otel.ConfigFromEnv(env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Exporters, []string{"prometheus"}) {
		t.Errorf("Exporters = %v, want [prometheus]", c.Exporters)
	}
	if c.ServiceName != "" || c.Attributes != nil || c.Detectors != nil || c.ExportInterval != 0 || c.ExportTimeout != 0 {
		t.Errorf("empty environment set values: %+v", c)
	}
	if c.OTLP.Protocol != "" || c.OTLP.Endpoint != "" || c.OTLP.Headers != nil {
		t.Errorf("empty environment set OTLP: %+v", c.OTLP)
	}
	if c.CloudWatch.Namespace != "" || c.CloudWatch.Region != "" || c.CloudWatch.Endpoint != "" || c.CloudWatch.StorageResolution != 0 {
		t.Errorf("empty environment set CloudWatch: %+v", c.CloudWatch)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   env
		check func(t *testing.T, c otel.Config)
	}{
		{
			name: "exporter list",
			env:  env{"OTEL_METRICS_EXPORTER": "Prometheus, emf"},
			check: func(t *testing.T, c otel.Config) {
				wantExporters(t, c, "prometheus", "emf")
			},
		},
		{
			name: "cloudwatch enabled adds to the default",
			env:  env{"CLOUDWATCH_METRICS_ENABLED": "true"},
			check: func(t *testing.T, c otel.Config) {
				wantExporters(t, c, "prometheus", "cloudwatch")
			},
		},
		{
			name: "cloudwatch enabled adds to a list",
			env:  env{"OTEL_METRICS_EXPORTER": "emf,otlp", "CLOUDWATCH_METRICS_ENABLED": "TRUE"},
			check: func(t *testing.T, c otel.Config) {
				wantExporters(t, c, "emf", "otlp", "cloudwatch")
			},
		},
		{
			name: "cloudwatch enabled does not repeat cloudwatch",
			env:  env{"OTEL_METRICS_EXPORTER": "cloudwatch,prometheus", "CLOUDWATCH_METRICS_ENABLED": "1"},
			check: func(t *testing.T, c otel.Config) {
				wantExporters(t, c, "cloudwatch", "prometheus")
			},
		},
		{
			name: "cloudwatch enabled replaces none",
			env:  env{"OTEL_METRICS_EXPORTER": "none", "CLOUDWATCH_METRICS_ENABLED": "true"},
			check: func(t *testing.T, c otel.Config) {
				wantExporters(t, c, "cloudwatch")
			},
		},
		{
			name: "cloudwatch disabled changes nothing",
			env:  env{"OTEL_METRICS_EXPORTER": "none", "CLOUDWATCH_METRICS_ENABLED": "false"},
			check: func(t *testing.T, c otel.Config) {
				wantExporters(t, c, "none")
			},
		},
		{
			name: "cloudwatch disabled keeps a listed cloudwatch",
			env:  env{"OTEL_METRICS_EXPORTER": "cloudwatch", "CLOUDWATCH_METRICS_ENABLED": "false"},
			check: func(t *testing.T, c otel.Config) {
				wantExporters(t, c, "cloudwatch")
			},
		},
		{
			name: "service name and resource attributes",
			env: env{
				"OTEL_SERVICE_NAME":        "crawler",
				"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod, team = crawl%20ops,service.name=other",
			},
			check: func(t *testing.T, c otel.Config) {
				if c.ServiceName != "crawler" {
					t.Errorf("ServiceName = %q, want OTEL_SERVICE_NAME's crawler", c.ServiceName)
				}
				want := []attribute.KeyValue{
					attribute.String("deployment.environment.name", "prod"),
					attribute.String("team", "crawl ops"),
					attribute.String("service.name", "other"),
				}
				if !slices.Equal(c.Attributes, want) {
					t.Errorf("Attributes = %v, want %v", c.Attributes, want)
				}
			},
		},
		{
			name: "service name from resource attributes",
			env:  env{"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs"},
			check: func(t *testing.T, c otel.Config) {
				if c.ServiceName != "from-attrs" {
					t.Errorf("ServiceName = %q, want from-attrs", c.ServiceName)
				}
			},
		},
		{
			name: "interval and timeout in milliseconds",
			env:  env{"OTEL_METRIC_EXPORT_INTERVAL": "15000", "OTEL_METRIC_EXPORT_TIMEOUT": "5000"},
			check: func(t *testing.T, c otel.Config) {
				if c.ExportInterval != 15*time.Second || c.ExportTimeout != 5*time.Second {
					t.Errorf("interval, timeout = %v, %v; want 15s, 5s", c.ExportInterval, c.ExportTimeout)
				}
			},
		},
		{
			name: "no detector off AWS",
			env:  env{"AWS_REGION": "eu-west-1"},
			check: func(t *testing.T, c otel.Config) {
				if c.Detectors != nil {
					t.Errorf("Detectors = %v, want none: the EC2 detector would wait on IMDS", c.Detectors)
				}
			},
		},
		{
			name: "ecs detector on ECS",
			env:  env{"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc"},
			check: func(t *testing.T, c otel.Config) {
				if !slices.Equal(c.Detectors, []string{"ecs"}) {
					t.Errorf("Detectors = %v, want [ecs]", c.Detectors)
				}
			},
		},
		{
			name: "detectors chosen explicitly",
			env:  env{"OTEL_RESOURCE_DETECTORS": " EC2, ecs,ec2,", "ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc"},
			check: func(t *testing.T, c otel.Config) {
				if !slices.Equal(c.Detectors, []string{"ec2", "ecs"}) {
					t.Errorf("Detectors = %v, want [ec2 ecs]", c.Detectors)
				}
			},
		},
		{
			name: "cloudwatch variables",
			env: env{
				"CLOUDWATCH_NAMESPACE":          "Crawler/Staging",
				"AWS_REGION":                    "eu-central-1",
				"AWS_ENDPOINT_URL_CLOUDWATCH":   "http://127.0.0.1:4566",
				"AWS_ENDPOINT_URL":              "http://127.0.0.1:9999",
				"CLOUDWATCH_STORAGE_RESOLUTION": "1",
			},
			check: func(t *testing.T, c otel.Config) {
				cw := c.CloudWatch
				if cw.Namespace != "Crawler/Staging" || cw.Region != "eu-central-1" || cw.Endpoint != "http://127.0.0.1:4566" || cw.StorageResolution != 1 {
					t.Errorf("CloudWatch = %+v", cw)
				}
			},
		},
		{
			name: "the general AWS endpoint when no CloudWatch one",
			env:  env{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
			check: func(t *testing.T, c otel.Config) {
				if c.CloudWatch.Endpoint != "http://127.0.0.1:4566" {
					t.Errorf("Endpoint = %q", c.CloudWatch.Endpoint)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := otel.ConfigFromEnv(tt.env.get)
			if err != nil {
				t.Fatalf("ConfigFromEnv(%v): %v", tt.env, err)
			}
			tt.check(t, c)
		})
	}
}

// TestConfigFromEnvOTLP follows the specification's endpoint rules: the
// base endpoint gets the signal path for OTLP/HTTP, the signal endpoint is
// used as is, and signal-specific variables win.
func TestConfigFromEnvOTLP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  env
		want otel.OTLPConfig
	}{
		{name: "nothing", env: env{}, want: otel.OTLPConfig{}},
		{
			name: "base endpoint gets /v1/metrics",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			want: otel.OTLPConfig{Endpoint: "http://collector:4318/v1/metrics"},
		},
		{
			name: "base endpoint with a trailing slash",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/"},
			want: otel.OTLPConfig{Endpoint: "https://collector:4318/v1/metrics"},
		},
		{
			name: "base endpoint with a path keeps it",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://gw:80/otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			want: otel.OTLPConfig{Protocol: "http/protobuf", Endpoint: "http://gw:80/otlp/v1/metrics"},
		},
		{
			name: "base endpoint as is for grpc",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			want: otel.OTLPConfig{Protocol: "grpc", Endpoint: "http://collector:4317"},
		},
		{
			name: "metrics endpoint as is",
			env:  env{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://collector:4318"},
			want: otel.OTLPConfig{Endpoint: "http://collector:4318"},
		},
		{
			name: "metrics endpoint wins over base",
			env: env{
				"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://base:4318",
				"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://metrics:4318/custom",
			},
			want: otel.OTLPConfig{Endpoint: "http://metrics:4318/custom"},
		},
		{
			name: "metrics protocol wins over base",
			env: env{
				"OTEL_EXPORTER_OTLP_PROTOCOL":         "http/protobuf",
				"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc",
				"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://collector:4317",
			},
			want: otel.OTLPConfig{Protocol: "grpc", Endpoint: "http://collector:4317"},
		},
		{
			name: "headers percent-decoded",
			env:  env{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc%3D%3D, x-team = crawl"},
			want: otel.OTLPConfig{Headers: map[string]string{"api-key": "abc==", "x-team": "crawl"}},
		},
		{
			name: "metrics headers replace base headers",
			env: env{
				"OTEL_EXPORTER_OTLP_HEADERS":         "a=1,b=2",
				"OTEL_EXPORTER_OTLP_METRICS_HEADERS": "c=3",
			},
			want: otel.OTLPConfig{Headers: map[string]string{"c": "3"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := otel.ConfigFromEnv(tt.env.get)
			if err != nil {
				t.Fatal(err)
			}
			got := c.OTLP
			if got.Protocol != tt.want.Protocol || got.Endpoint != tt.want.Endpoint || !maps.Equal(got.Headers, tt.want.Headers) {
				t.Errorf("OTLP = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func wantExporters(t *testing.T, c otel.Config, want ...string) {
	t.Helper()
	if !slices.Equal(c.Exporters, want) {
		t.Errorf("Exporters = %v, want %v", c.Exporters, want)
	}
}
