package otel_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/crawler-service/crawler/internal/syncbuf"
	"github.com/crawler-service/crawler/otel"
)

// targetInfo returns the resource as Prometheus's target_info shows it.
func targetInfo(t *testing.T, p *otel.Provider) map[string]string {
	t.Helper()
	ms := scrape(t, p.PrometheusHandler())["target_info"].GetMetric()
	if len(ms) != 1 {
		t.Fatalf("target_info has %d series, want 1", len(ms))
	}
	return labels(ms[0])
}

func TestResource(t *testing.T) {
	t.Parallel()
	host, _ := os.Hostname()
	tests := []struct {
		name   string
		change func(*otel.Config)
		want   map[string]string
		check  func(t *testing.T, ls map[string]string)
	}{
		{
			name: "service, instance and process",
			change: func(c *otel.Config) {
				c.ServiceVersion = "1.2.3"
				c.Attributes = append(c.Attributes, attribute.String("deployment.environment.name", "test"))
			},
			want: map[string]string{
				"service_name": "crawler-test", "service_instance_id": "worker-1", "service_version": "1.2.3",
				"crawler_process": "worker", "deployment_environment_name": "test", "telemetry_sdk_language": "go",
			},
		},
		{
			name:   "defaults",
			change: func(c *otel.Config) { c.ServiceName, c.ServiceInstanceID = "", "" },
			want:   map[string]string{"service_name": "unknown_service", "crawler_process": "worker"},
			check: func(t *testing.T, ls map[string]string) {
				if id := ls["service_instance_id"]; !strings.HasPrefix(id, host+"-") || len(id) < len(host)+10 {
					t.Errorf("service.instance.id = %q, want host name, pid and a random suffix", id)
				}
			},
		},
		{
			name: "the service's own name wins over an attribute",
			change: func(c *otel.Config) {
				c.Attributes = append(c.Attributes, attribute.String("service.name", "impostor"), attribute.String("service.instance.id", "x"))
			},
			want: map[string]string{"service_name": "crawler-test", "service_instance_id": "worker-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, _ := testConfig(t, "prometheus")
			tt.change(&cfg)
			ls := targetInfo(t, setup(t, cfg))
			for k, v := range tt.want {
				if ls[k] != v {
					t.Errorf("target_info %s = %q, want %q (all: %v)", k, ls[k], v, ls)
				}
			}
			if tt.check != nil {
				tt.check(t, ls)
			}
		})
	}
}

// TestResourceFromEnv follows OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
// from the environment to the exported resource.
func TestResourceFromEnv(t *testing.T) {
	t.Parallel()
	cfg, err := otel.ConfigFromEnv(env{
		"OTEL_SERVICE_NAME":        "crawler",
		"OTEL_RESOURCE_ATTRIBUTES": "service.name=ignored,cloud.region=eu-west-1,team=crawl%2Fops",
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	cfg.NoRuntimeMetrics = true
	ls := targetInfo(t, setup(t, cfg))
	want := map[string]string{"service_name": "crawler", "cloud_region": "eu-west-1", "team": "crawl/ops"}
	for k, v := range want {
		if ls[k] != v {
			t.Errorf("target_info %s = %q, want %q", k, ls[k], v)
		}
	}
	if ls["service_instance_id"] == "" {
		t.Error("no service.instance.id")
	}
}

// TestInstanceIDsDiffer: two processes on one host (or two Setups in one)
// must not share an instance id, or their series would collide.
func TestInstanceIDsDiffer(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for range 3 {
		cfg, _ := testConfig(t, "prometheus")
		cfg.ServiceInstanceID = ""
		ids[targetInfo(t, setup(t, cfg))["service_instance_id"]] = true
	}
	if len(ids) != 3 {
		t.Errorf("instance ids %v, want 3 distinct", ids)
	}
}

// TestSetupFastWithoutDetectors: off AWS no detector runs, so start-up does
// not wait on IMDS. The bound is generous for a loaded 2-core machine under
// -race; a detector waiting on IMDS would take its whole 2 s timeout.
func TestSetupFastWithoutDetectors(t *testing.T) {
	t.Parallel()
	cfg, err := otel.ConfigFromEnv(env{"OTEL_METRICS_EXPORTER": "prometheus,console", "AWS_REGION": "us-east-1"}.get)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Detectors != nil {
		t.Fatalf("Detectors = %v off AWS, want none", cfg.Detectors)
	}
	cfg.Console = &syncbuf.Buffer{}
	start := time.Now()
	setup(t, cfg)
	d := time.Since(start)
	if d > time.Second {
		t.Errorf("Setup took %v without detectors", d)
	}
	t.Logf("Setup (prometheus, console, runtime metrics, no detectors) took %v", d)
}
