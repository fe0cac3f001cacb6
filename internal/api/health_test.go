package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/internal/api"
)

// TestRedisDown: with Redis gone the API says so with 503s, stays alive
// for /healthz and still answers bad input with its 4xx.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	e.call(t, "GET", "/readyz", nil, http.StatusOK, nil)
	e.srv.Kill()

	tests := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/healthz", "", http.StatusOK},
		{"GET", "/readyz", "", http.StatusServiceUnavailable},
		{"POST", "/v1/jobs", `{"url":"https://example.com"}`, http.StatusServiceUnavailable},
		{"GET", "/v1/jobs/01jzzzzzzzzzzzzzzzzzzzzzzz", "", http.StatusServiceUnavailable},
		{"GET", "/v1/queue", "", http.StatusServiceUnavailable},
		{"GET", "/v1/schedules", "", http.StatusServiceUnavailable},
		{"POST", "/v1/schedules", `{"name":"n","job":{"url":"https://example.com"}}`, http.StatusServiceUnavailable},
		{"POST", "/v1/jobs", `{"url":"ftp://example.com"}`, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			var body *strings.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := e.call(t, tt.method, tt.path, readerOrNil(body), tt.status, nil)
			if tt.status == http.StatusServiceUnavailable && r.err.Code != "unavailable" {
				t.Errorf("code = %q, want unavailable", r.err.Code)
			}
		})
	}
}

func readerOrNil(r *strings.Reader) any {
	if r == nil {
		return nil
	}
	b := make([]byte, r.Len())
	_, _ = r.Read(b)
	return string(b)
}

func TestPublicEndpoints(t *testing.T) {
	t.Parallel()
	prom := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("# prometheus text\n")) })
	with := newEnv(t, api.Config{}, func(d *api.Deps) { d.Metrics = prom })
	without := newEnv(t, api.Config{})
	tests := []struct {
		name   string
		e      *env
		path   string
		status int
		body   string
	}{
		{"healthz", without, "/healthz", 200, `{"status":"ok"}`},
		{"readyz", without, "/readyz", 200, `{"status":"ok"}`},
		{"metrics served", with, "/metrics", 200, "# prometheus text"},
		{"metrics off", without, "/metrics", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.e.do(t, "GET", tt.path, "", nil) // no token
			if r.status != tt.status || !strings.Contains(string(r.body), tt.body) {
				t.Fatalf("GET %s = %d %q, want %d with %q", tt.path, r.status, r.body, tt.status, tt.body)
			}
		})
	}
}

// TestOpenMode: API_AUTH=none lets requests in without a token.
func TestOpenMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{Open: true})
	if r := e.do(t, "GET", "/v1/queue", "", nil); r.status != http.StatusOK {
		t.Fatalf("open API: GET /v1/queue = %d %s", r.status, r.body)
	}
}

// TestNoTokenConfigured: an empty token with auth on refuses everything,
// including an empty bearer.
func TestNoTokenConfigured(t *testing.T) {
	t.Parallel()
	srv := newEnv(t, api.Config{})
	h := api.New(api.Config{}, api.Deps{Jobs: srv.q, Schedules: srv.store, Logger: slog.New(slog.DiscardHandler)})
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		req, _ := http.NewRequest("GET", "/v1/queue", nil)
		req.Header.Set("Authorization", auth)
		rec := newRecorder()
		h.ServeHTTP(rec, req)
		srv.api.check(t, exchange{req: req, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()})
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q with no token configured: %d, want 401", auth, rec.Code)
		}
	}
}

// TestServerMetrics: the contrib instrumentation records each request
// under its route pattern, a bounded attribute.
func TestServerMetrics(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	e := newEnv(t, api.Config{}, func(d *api.Deps) { d.MeterProvider = mp })
	e.call(t, "GET", "/v1/jobs/01jzzzzzzzzzzzzzzzzzzzzzzz", nil, http.StatusNotFound, nil)
	e.call(t, "GET", "/v1/jobs/01jyyyyyyyyyyyyyyyyyyyyyyy", nil, http.StatusNotFound, nil)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	var count uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if m.Name != "http.server.request.duration" || !ok {
				continue
			}
			for _, dp := range h.DataPoints {
				route, _ := dp.Attributes.Value("http.route")
				status, _ := dp.Attributes.Value("http.response.status_code")
				if route.AsString() == "/v1/jobs/{id}" && status.AsInt64() == 404 {
					count += dp.Count
				}
			}
		}
	}
	if count != 2 {
		t.Fatalf("http.server.request.duration for /v1/jobs/{id} 404: %d requests, want 2 (got %+v)", count, rm.ScopeMetrics)
	}
}

// TestLogsKeepSecrets: request logs hold neither the token nor a query.
func TestLogsKeepSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	e.call(t, "GET", "/v1/schedules/nope/results?limit=5&sig=querysecret", nil, http.StatusNotFound, nil)
	e.call(t, "POST", "/v1/jobs", `{"url":"https://example.com/?apikey=bodysecret"}`, http.StatusAccepted, nil)
	e.do(t, "GET", "/v1/queue", "Bearer wrong-but-secret", nil)
	e.srv.Kill()
	e.call(t, "GET", "/v1/jobs/01jzzzzzzzzzzzzzzzzzzzzzzz?x=querysecret2", nil, http.StatusServiceUnavailable, nil)

	logs := e.logs.String()
	if !strings.Contains(logs, "path=/v1/schedules/nope/results") || !strings.Contains(logs, "status=503") {
		t.Fatalf("requests were not logged:\n%s", logs)
	}
	for _, secret := range []string{token, "wrong-but-secret", "querysecret", "bodysecret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}
