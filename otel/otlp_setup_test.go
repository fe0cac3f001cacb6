package otel_test

import (
	"strings"
	"testing"

	"github.com/crawler-service/crawler/otel"
)

// TestOTLPFromEnv runs the OTLP exporter from environment variables to a
// fake collector on loopback: the endpoint rules decide the path the
// request arrives at, the headers travel with it, and gRPC works too.
func TestOTLPFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		grpc     bool
		env      func(url string) env
		wantPath string
	}{
		{
			name:     "base endpoint gets /v1/metrics",
			env:      func(url string) env { return env{"OTEL_EXPORTER_OTLP_ENDPOINT": url} },
			wantPath: "/v1/metrics",
		},
		{
			name:     "base endpoint with a path",
			env:      func(url string) env { return env{"OTEL_EXPORTER_OTLP_ENDPOINT": url + "/otlp/"} },
			wantPath: "/otlp/v1/metrics",
		},
		{
			name:     "metrics endpoint as is",
			env:      func(url string) env { return env{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": url + "/ingest"} },
			wantPath: "/ingest",
		},
		{
			name:     "metrics endpoint without a path posts to the root",
			env:      func(url string) env { return env{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": url} },
			wantPath: "/",
		},
		{
			name: "grpc",
			grpc: true,
			env: func(url string) env {
				return env{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": url}
			},
			wantPath: "grpc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			col := newHTTPCollector
			if tt.grpc {
				col = newGRPCCollector
			}
			c := col(t)
			e := tt.env(c.url)
			e["OTEL_METRICS_EXPORTER"] = "otlp"
			e["OTEL_EXPORTER_OTLP_HEADERS"] = "x-api-key=k%3D1"
			e["OTEL_SERVICE_NAME"] = "crawler-otlp"
			cfg, err := otel.ConfigFromEnv(e.get)
			if err != nil {
				t.Fatal(err)
			}
			cfg.NoRuntimeMetrics = true
			p := setup(t, cfg)
			w := newWorkload(t, p.MeterProvider())
			w.job(t.Context(), "success", "http", 0.5)
			shutdown(t, p)

			reqs := c.requests()
			if len(reqs) != 1 {
				t.Fatalf("collector got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.path != tt.wantPath {
				t.Errorf("path = %q, want %q", r.path, tt.wantPath)
			}
			if got := headerValue(r.header, "x-api-key"); got != "k=1" {
				t.Errorf("x-api-key header = %q, want k=1", got)
			}
			m := otlpMetric(r.body, completedName)
			if m.GetSum().GetDataPoints()[0].GetAsInt() != 1 {
				t.Errorf("%s = %v, want 1", completedName, m)
			}
			var svc string
			for _, kv := range r.body.GetResourceMetrics()[0].GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					svc = kv.GetValue().GetStringValue()
				}
			}
			if svc != "crawler-otlp" {
				t.Errorf("resource service.name = %q, want crawler-otlp", svc)
			}
		})
	}
}

// headerValue looks a header up case-insensitively: HTTP canonicalizes
// names, gRPC metadata lowercases them.
func headerValue(h map[string][]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
