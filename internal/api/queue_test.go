package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/metrics"
)

type queueState struct {
	Paused  bool `json:"paused"`
	Changed bool `json:"changed"`
}

// operatorActions reads crawler.operator.actions by action.
func operatorActions(t *testing.T, r *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != metrics.OperatorActions.Name {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				v, _ := dp.Attributes.Value(attribute.Key(metrics.AttrAction))
				got[v.AsString()] = dp.Value
			}
		}
	}
	return got
}

// Pause and resume: each answers the state and whether it changed, is
// idempotent, shows in GET /v1/queue, and is logged and counted as an
// operator action.
func TestPauseResume(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	e := newEnv(t, api.Config{}, func(d *api.Deps) { d.MeterProvider = mp })

	steps := []struct {
		path        string
		want        queueState
		wantCounted map[string]int64
	}{
		{"/v1/queue/pause", queueState{Paused: true, Changed: true}, map[string]int64{"pause": 1, "resume": 0}},
		{"/v1/queue/pause", queueState{Paused: true, Changed: false}, map[string]int64{"pause": 2, "resume": 0}},
		{"/v1/queue/resume", queueState{Paused: false, Changed: true}, map[string]int64{"pause": 2, "resume": 1}},
		{"/v1/queue/resume", queueState{Paused: false, Changed: false}, map[string]int64{"pause": 2, "resume": 2}},
	}
	for i, st := range steps {
		var got queueState
		e.call(t, "POST", st.path, nil, http.StatusOK, &got)
		if got != st.want {
			t.Fatalf("step %d: POST %s = %+v, want %+v", i, st.path, got, st.want)
		}
		var counts struct {
			Paused bool `json:"paused"`
		}
		e.call(t, "GET", "/v1/queue", nil, http.StatusOK, &counts)
		if counts.Paused != st.want.Paused {
			t.Fatalf("step %d: GET /v1/queue paused = %v, want %v", i, counts.Paused, st.want.Paused)
		}
		if c := operatorActions(t, reader); c["pause"] != st.wantCounted["pause"] || c["resume"] != st.wantCounted["resume"] {
			t.Fatalf("step %d: crawler.operator.actions = %v, want %v", i, c, st.wantCounted)
		}
	}
	// The body names the operator, whom the log line shows; a name that
	// could inject a line is refused and changes nothing.
	var got queueState
	e.call(t, "POST", "/v1/queue/pause", map[string]string{"operator": "dave"}, http.StatusOK, &got)
	r := e.call(t, "POST", "/v1/queue/resume", map[string]string{"operator": "mallory\nlevel=ERROR"}, http.StatusUnprocessableEntity, nil)
	if r.err.Fields["operator"] == "" {
		t.Errorf("bad operator: %+v, want a reason on operator", r.err)
	}
	e.call(t, "GET", "/v1/queue", nil, http.StatusOK, &got)
	if !got.Paused {
		t.Error("a refused resume resumed the queue")
	}
	logs := e.logs.String()
	for _, want := range []string{
		`msg="operator action" action=pause target=queue count=1 operator=api`,
		`msg="operator action" action=pause target=queue count=0 operator=api`,
		`msg="operator action" action=resume target=queue count=1 operator=api`,
		`msg="operator action" action=pause target=queue count=1 operator=dave`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if r := e.do(t, "POST", "/v1/queue/pause", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("pause without a token = %d, want 401", r.status)
	}
	if r := e.do(t, "GET", "/v1/queue/pause", "Bearer "+token, nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/queue/pause = %d, want 405", r.status)
	}
}

// With Redis down, pause is 503 and counts nothing: no action was taken.
func TestPauseUnavailable(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	e := newEnv(t, api.Config{}, func(d *api.Deps) { d.MeterProvider = mp })
	e.srv.Kill()
	for _, path := range []string{"/v1/queue/pause", "/v1/queue/resume"} {
		r := e.call(t, "POST", path, nil, http.StatusServiceUnavailable, nil)
		if r.err.Code != "unavailable" {
			t.Errorf("POST %s: code %q, want unavailable", path, r.err.Code)
		}
	}
	if c := operatorActions(t, reader); c["pause"] != 0 || c["resume"] != 0 {
		t.Errorf("actions counted while Redis was down: %v", c)
	}
}
