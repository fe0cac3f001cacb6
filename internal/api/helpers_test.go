package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/internal/schedule"
	"github.com/crawler-service/crawler/internal/syncbuf"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}

const token = "s3cret-t0ken"

// env is one test's API over a real redis-server.
type env struct {
	srv   *redistest.Server
	q     *queue.Queue
	store *schedule.Store
	ts    *httptest.Server
	logs  *syncbuf.Buffer
	api   *contract // every exchange of do is checked against it
	open  bool      // API_AUTH=none
}

func newEnv(t *testing.T, cfg api.Config, edit ...func(*api.Deps)) *env {
	t.Helper()
	srv := redistest.Start(t)
	rdb := srv.Client()
	e := &env{srv: srv, q: queue.New(rdb, queue.Config{}), store: schedule.NewStore(rdb, ""), logs: &syncbuf.Buffer{},
		api: openAPI(t), open: cfg.Open}
	deps := api.Deps{
		Jobs: e.q, Schedules: e.store,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range edit {
		f(&deps)
	}
	if cfg.Token == "" && !cfg.Open {
		cfg.Token = token
	}
	e.ts = httptest.NewServer(api.New(cfg, deps))
	t.Cleanup(e.ts.Close)
	return e
}

// response is an answer, its error body decoded when there is one.
type response struct {
	status int
	header http.Header
	body   []byte
	err    struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	}
}

// do sends one request; auth "" sends no Authorization header. It checks
// the request and its answer against the OpenAPI document.
func (e *env) do(t *testing.T, method, path, auth string, body io.Reader) response {
	t.Helper()
	sent, body := replay(t, body)
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	e.api.check(t, exchange{req: req, reqBody: sent, status: resp.StatusCode, header: resp.Header, body: b, open: e.open})
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode >= 400 {
		var env struct {
			Error *json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(b, &env); err != nil || env.Error == nil {
			t.Fatalf("%s %s: %d with a body that is not a JSON error: %q", method, path, resp.StatusCode, b)
		}
		if err := json.Unmarshal(*env.Error, &r.err); err != nil {
			t.Fatalf("%s %s: error body %q: %v", method, path, b, err)
		}
	}
	return r
}

// call is do with the right token and a JSON body, decoding a 2xx answer
// into out (when not nil).
func (e *env) call(t *testing.T, method, path string, body any, wantStatus int, out any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatalf("encode body: %v", err)
			}
			rd = bytes.NewReader(b)
		}
	}
	r := e.do(t, method, path, "Bearer "+token, rd)
	if r.status != wantStatus {
		t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, wantStatus)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, r.body, err)
		}
	}
	return r
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
