package otel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/otel"
)

// Every invalid value stops start-up with a message naming the variable,
// the value and what is valid.
func TestConfigFromEnvErrors(t *testing.T) {
	t.Parallel()
	tests := []envErrorCase{
		{
			name:     "unknown exporter",
			env:      env{"OTEL_METRICS_EXPORTER": "prometheus,datadog"},
			contains: []string{"OTEL_METRICS_EXPORTER", `"prometheus,datadog"`, `"datadog"`, "prometheus, cloudwatch, emf, otlp, console, none"},
			is:       otel.ErrUnknownExporter,
		},
		{
			name:     "none combined",
			env:      env{"OTEL_METRICS_EXPORTER": "none,emf"},
			contains: []string{"OTEL_METRICS_EXPORTER", `"none,emf"`},
			is:       otel.ErrNoneCombined,
		},
		{
			name:     "cloudwatch enabled not a boolean",
			env:      env{"CLOUDWATCH_METRICS_ENABLED": "yes"},
			contains: []string{"CLOUDWATCH_METRICS_ENABLED", `"yes"`, "true or false"},
		},
		{
			name:     "interval not a number",
			env:      env{"OTEL_METRIC_EXPORT_INTERVAL": "60s"},
			contains: []string{"OTEL_METRIC_EXPORT_INTERVAL", `"60s"`, "milliseconds"},
		},
		{
			name:     "interval zero",
			env:      env{"OTEL_METRIC_EXPORT_INTERVAL": "0"},
			contains: []string{"OTEL_METRIC_EXPORT_INTERVAL", `"0"`, "positive"},
		},
		{
			name:     "timeout negative",
			env:      env{"OTEL_METRIC_EXPORT_TIMEOUT": "-5"},
			contains: []string{"OTEL_METRIC_EXPORT_TIMEOUT", `"-5"`, "positive"},
		},
		{
			name:     "resource attribute without value",
			env:      env{"OTEL_RESOURCE_ATTRIBUTES": "a=1,broken"},
			contains: []string{"OTEL_RESOURCE_ATTRIBUTES", `"a=1,broken"`, "key=value"},
		},
		{
			name:     "resource attribute bad escape",
			env:      env{"OTEL_RESOURCE_ATTRIBUTES": "a=%zz"},
			contains: []string{"OTEL_RESOURCE_ATTRIBUTES", `"a=%zz"`},
		},
		{
			name:     "unknown detector",
			env:      env{"OTEL_RESOURCE_DETECTORS": "ecs,gcp"},
			contains: []string{"OTEL_RESOURCE_DETECTORS", `"ecs,gcp"`, `"gcp"`, "ecs, ec2"},
			is:       otel.ErrUnknownDetector,
		},
		{
			name:     "protocol",
			env:      env{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
			contains: []string{"OTEL_EXPORTER_OTLP_PROTOCOL", `"http/json"`, "grpc, http/protobuf"},
		},
		{
			name:     "metrics protocol named as itself",
			env:      env{"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "thrift"},
			contains: []string{"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=", `"thrift"`},
		},
		{
			name:     "endpoint without scheme",
			env:      env{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
			contains: []string{"OTEL_EXPORTER_OTLP_ENDPOINT", `"collector:4318"`, "http://collector:4318"},
		},
		{
			name:     "metrics endpoint named as itself",
			env:      env{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "ftp://collector/x"},
			contains: []string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=", `"ftp://collector/x"`},
		},
		{
			name:     "headers malformed, secret not echoed",
			env:      env{"OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer s3cr3t,justatoken"},
			contains: []string{"OTEL_EXPORTER_OTLP_HEADERS", "key=value"},
			hides:    "s3cr3t",
		},
		{
			name:     "namespace reserved",
			env:      env{"CLOUDWATCH_NAMESPACE": "AWS/EC2"},
			contains: []string{"CLOUDWATCH_NAMESPACE", `"AWS/EC2"`, "printable ASCII"},
		},
		{
			name:     "namespace not ASCII",
			env:      env{"CLOUDWATCH_NAMESPACE": "Crawlér"},
			contains: []string{"CLOUDWATCH_NAMESPACE", "printable ASCII"},
		},
		{
			name:     "namespace too long",
			env:      env{"CLOUDWATCH_NAMESPACE": strings.Repeat("n", 256)},
			contains: []string{"CLOUDWATCH_NAMESPACE", "255"},
		},
		{
			name:     "storage resolution",
			env:      env{"CLOUDWATCH_STORAGE_RESOLUTION": "10"},
			contains: []string{"CLOUDWATCH_STORAGE_RESOLUTION", `"10"`, "1 and 60"},
		},
	}
	checkEnvErrors(t, tests)
}

// envErrorCase is an environment ConfigFromEnv must refuse: its error
// contains every string of contains, is is (when set), and never shows
// hides (a secret).
type envErrorCase struct {
	name     string
	env      env
	contains []string
	is       error
	hides    string
}

func checkEnvErrors(t *testing.T, tests []envErrorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := otel.ConfigFromEnv(tt.env.get)
			if err == nil {
				t.Fatalf("ConfigFromEnv(%v): no error", tt.env)
			}
			msg := err.Error()
			for _, s := range tt.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q", msg, s)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if tt.hides != "" && strings.Contains(msg, tt.hides) {
				t.Errorf("error %q shows %q", msg, tt.hides)
			}
		})
	}
}
