package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/schedule"
)

// countedEnv is an API whose operator actions a test can read.
func countedEnv(t *testing.T) (*env, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return newEnv(t, api.Config{}, func(d *api.Deps) { d.MeterProvider = mp }), reader
}

const nightly = `{"name":"nightly","cron":"0 3 * * *","job":{"url":"https://example.com/list","method":"http"}}`

// Pause and resume answer the schedule, are idempotent, show in GET and
// the list, survive a re-POST, and are logged and counted.
func TestSchedulePauseResume(t *testing.T) {
	t.Parallel()
	e, reader := countedEnv(t)
	var created schedule.Schedule
	e.call(t, "POST", "/v1/schedules", nightly, http.StatusCreated, &created)
	if created.Paused {
		t.Fatalf("created = %+v, want it running", created)
	}

	steps := []struct {
		path, body string
		wantPaused bool
		wantCount  map[string]int64
	}{
		{"/v1/schedules/nightly/pause", "", true, map[string]int64{"schedule_pause": 1}},
		{"/v1/schedules/nightly/pause", `{"operator":"alice@example.com"}`, true, map[string]int64{"schedule_pause": 2}},
		{"/v1/schedules/nightly/resume", `{}`, false, map[string]int64{"schedule_pause": 2, "schedule_resume": 1}},
		{"/v1/schedules/nightly/resume", `{"operator":"bob"}`, false, map[string]int64{"schedule_pause": 2, "schedule_resume": 2}},
		{"/v1/schedules/nightly/pause", `{"operator":"console"}`, true, map[string]int64{"schedule_pause": 3, "schedule_resume": 2}},
	}
	for i, st := range steps {
		var body any
		if st.body != "" {
			body = st.body
		}
		var got schedule.Schedule
		e.call(t, "POST", st.path, body, http.StatusOK, &got)
		if got.Paused != st.wantPaused || got.Name != "nightly" || !got.Created.Equal(created.Created) || got.Job != created.Job {
			t.Fatalf("step %d: POST %s = %+v, want the schedule with paused %v", i, st.path, got, st.wantPaused)
		}
		var one schedule.Schedule
		e.call(t, "GET", "/v1/schedules/nightly", nil, http.StatusOK, &one)
		var list struct{ Schedules []schedule.Schedule }
		e.call(t, "GET", "/v1/schedules", nil, http.StatusOK, &list)
		if one.Paused != st.wantPaused || len(list.Schedules) != 1 || list.Schedules[0].Paused != st.wantPaused {
			t.Fatalf("step %d: GET says paused %v, list %+v; want %v", i, one.Paused, list.Schedules, st.wantPaused)
		}
		c := operatorActions(t, reader)
		if c["schedule_pause"] != st.wantCount["schedule_pause"] || c["schedule_resume"] != st.wantCount["schedule_resume"] {
			t.Fatalf("step %d: crawler.operator.actions = %v, want %v", i, c, st.wantCount)
		}
	}

	// Creating it again is refused and does not unpause it.
	e.call(t, "POST", "/v1/schedules", nightly, http.StatusConflict, nil)
	if got, err := e.store.Get(t.Context(), "nightly"); err != nil || !got.Paused {
		t.Fatalf("after a re-POST: %+v, %v; want it still paused", got, err)
	}

	logs := e.logs.String()
	for _, want := range []string{
		`msg="operator action" action=schedule_pause target="schedule nightly" count=1 operator=api`,
		`msg="operator action" action=schedule_pause target="schedule nightly" count=0 operator=alice@example.com`,
		`msg="operator action" action=schedule_resume target="schedule nightly" count=1 operator=api`,
		`msg="operator action" action=schedule_resume target="schedule nightly" count=0 operator=bob`,
		`msg="operator action" action=schedule_pause target="schedule nightly" count=1 operator=console`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// TestScheduleTrigger: a trigger enqueues the schedule's job now, paused
// or not, and its end lands in the schedule's results.
func TestScheduleTrigger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, reader := countedEnv(t)
	e.call(t, "POST", "/v1/schedules", nightly, http.StatusCreated, nil)
	e.call(t, "POST", "/v1/schedules/nightly/pause", nil, http.StatusOK, nil)

	var first, second struct{ ID string }
	e.call(t, "POST", "/v1/schedules/nightly/trigger", nil, http.StatusAccepted, &first)
	e.call(t, "POST", "/v1/schedules/nightly/trigger", `{"operator":"alice"}`, http.StatusAccepted, &second)
	if first.ID == "" || first.ID == second.ID {
		t.Fatalf("triggers answered ids %q and %q, want two jobs", first.ID, second.ID)
	}
	if status, err := e.q.Status(ctx, first.ID); err != nil || status.State != crawler.StateWaiting {
		t.Errorf("triggered job = %+v, %v; want it waiting", status, err)
	}
	if got, err := e.store.Get(ctx, "nightly"); err != nil || !got.Paused {
		t.Errorf("after a trigger: %+v, %v; want it still paused", got, err)
	}

	ds, err := e.q.Read(ctx, "w", 10, time.Second)
	if err != nil || len(ds) != 2 {
		t.Fatalf("read: %d jobs, %v; want the 2 triggered", len(ds), err)
	}
	for _, d := range ds {
		if d.Job.Schedule != "nightly" || d.Job.URL != "https://example.com/list" || d.Job.Method != crawler.MethodHTTP {
			t.Errorf("triggered job = %+v, want the schedule's job", d.Job)
		}
		if err := e.q.Complete(ctx, d, crawler.Result{Status: 200, Method: crawler.MethodHTTP}); err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
	var results struct{ Results []schedule.Result }
	e.call(t, "GET", "/v1/schedules/nightly/results", nil, http.StatusOK, &results)
	if len(results.Results) != 2 || results.Results[0].State != crawler.StateCompleted {
		t.Errorf("results = %+v, want both triggered jobs, completed", results.Results)
	}
	if c := operatorActions(t, reader); c["schedule_trigger"] != 2 {
		t.Errorf("crawler.operator.actions = %v, want schedule_trigger 2", c)
	}
	logs := e.logs.String()
	for _, want := range []string{
		`msg="operator action" action=schedule_trigger target="schedule nightly" count=1 operator=api job=` + first.ID,
		`msg="operator action" action=schedule_trigger target="schedule nightly" count=1 operator=alice job=` + second.ID,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// TestScheduleActionErrors: unknown schedules, bad bodies and a Redis
// outage are refused, and nothing refused is counted.
func TestScheduleActionErrors(t *testing.T) {
	t.Parallel()
	e, reader := countedEnv(t)
	e.call(t, "POST", "/v1/schedules", nightly, http.StatusCreated, nil)
	tests := []struct {
		name, path, body string
		want             int
		wantField        string
	}{
		{"unknown pause", "/v1/schedules/nope/pause", "", http.StatusNotFound, ""},
		{"unknown resume", "/v1/schedules/nope/resume", "", http.StatusNotFound, ""},
		{"unknown trigger", "/v1/schedules/nope/trigger", "", http.StatusNotFound, ""},
		{"impossible name", "/v1/schedules/a%3Ab/pause", "", http.StatusNotFound, ""},
		{"empty operator", "/v1/schedules/nightly/pause", `{"operator":""}`, http.StatusUnprocessableEntity, "operator"},
		{"operator with a space", "/v1/schedules/nightly/resume", `{"operator":"alice smith"}`, http.StatusUnprocessableEntity, "operator"},
		{"long operator", "/v1/schedules/nightly/trigger", `{"operator":"` + strings.Repeat("a", 65) + `"}`, http.StatusUnprocessableEntity, "operator"},
		{"operator not a string", "/v1/schedules/nightly/trigger", `{"operator":7}`, http.StatusUnprocessableEntity, "operator"},
		{"unknown field", "/v1/schedules/nightly/pause", `{"paused":true}`, http.StatusUnprocessableEntity, "paused"},
		{"broken JSON", "/v1/schedules/nightly/pause", `{"operator":`, http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			r := e.call(t, "POST", tt.path, body, tt.want, nil)
			if _, ok := r.err.Fields[tt.wantField]; tt.wantField != "" && !ok {
				t.Errorf("%s: fields %v, want a reason for %s", tt.path, r.err.Fields, tt.wantField)
			}
		})
	}
	if c := operatorActions(t, reader); c["schedule_pause"]+c["schedule_resume"]+c["schedule_trigger"] != 0 {
		t.Errorf("refused actions were counted: %v", c)
	}
	if got, err := e.store.Get(t.Context(), "nightly"); err != nil || got.Paused {
		t.Errorf("after refused actions: %+v, %v; want it running", got, err)
	}

	e.srv.Kill()
	for _, action := range []string{"pause", "resume", "trigger"} {
		r := e.call(t, "POST", "/v1/schedules/nightly/"+action, nil, http.StatusServiceUnavailable, nil)
		if r.err.Code != "unavailable" {
			t.Errorf("%s with Redis down: code %q, want unavailable", action, r.err.Code)
		}
	}
	if c := operatorActions(t, reader); c["schedule_pause"]+c["schedule_resume"]+c["schedule_trigger"] != 0 {
		t.Errorf("actions counted while Redis was down: %v", c)
	}
}
