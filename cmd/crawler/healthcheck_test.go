package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/internal/syncbuf"
)

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	var written atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("/unhealthy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(503)
		_, _ = w.Write([]byte(`{"status":"unhealthy","reason":"redis has not answered for 31s"}`))
	})
	mux.HandleFunc("/api-error", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(503)
		_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"redis is unreachable"}}`))
	})
	mux.HandleFunc("/hostile", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(503)
		_, _ = w.Write([]byte("{\"reason\":\"\\u001b]0;HACKED\\u0007\\u001b[2Jdown\\u202e\"}"))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/flood", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(500)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for range 1024 { // 32 MB, unless the reader goes away
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // "" healthy; else in the error
	}{
		{"2xx", []string{srv.URL + "/ok"}, nil, ""},
		{"from HEALTHCHECK_URL", nil, map[string]string{"HEALTHCHECK_URL": srv.URL + "/ok"}, ""},
		{"argument over HEALTHCHECK_URL", []string{srv.URL + "/unhealthy"}, map[string]string{"HEALTHCHECK_URL": srv.URL + "/ok"}, "answered 503 Service Unavailable: redis has not answered for 31s"},
		{"the API's error", []string{srv.URL + "/api-error"}, nil, "503 Service Unavailable: redis is unreachable"},
		{"a hostile reason is printed without its controls", []string{srv.URL + "/hostile"}, nil, "503 Service Unavailable: ]0;HACKED[2Jdown"},
		{"a redirect is not followed", []string{srv.URL + "/redirect"}, nil, "answered 302 Found"},
		{"no answer in time", []string{"--timeout=200ms", srv.URL + "/slow"}, nil, "no answer from " + srv.URL + "/slow within 200ms"},
		{"nothing listening", []string{"http://127.0.0.1:1/healthz"}, nil, "connection refused"},
		{"a flood is read no further than the bound", []string{srv.URL + "/flood"}, nil, "answered 500 Internal Server Error: xxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"healthcheck"}, tt.args...), envOf(tt.env), &out, &errOut)
			if tt.want == "" {
				if err != nil || !strings.HasPrefix(out.String(), "healthy: ") || strings.Count(out.String(), "\n") != 1 {
					t.Errorf("err %v, stdout %q, want one line healthy", err, out.String())
				}
				return
			}
			if !errors.Is(err, errUnhealthy) || exitCode(err) != 1 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v (exit %d), want unhealthy with %q", err, exitCode(err), tt.want)
			}
			if strings.Contains(err.Error(), "\n") || len(err.Error()) > 400 {
				t.Errorf("not one short line: %q", err)
			}
		})
	}
	if w := written.Load(); w > 8<<20 {
		t.Errorf("the flood got %d bytes out: the body was read past its bound", w)
	}
}

func TestHealthcheckUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--timeout=0s"}, {"--nope"}, {"http://a/", "http://b/"}, {"ftp://127.0.0.1/"}, {"127.0.0.1:9464/healthz"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append([]string{"healthcheck"}, args...), envOf(nil), &out, &errOut); exitCode(err) != 2 || errOut.Len() == 0 {
			t.Errorf("healthcheck %q: err %v, stderr %q: want a usage error", args, err, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", "--help"}, envOf(nil), &out, &errOut); err != nil || !strings.Contains(errOut.String(), "HEALTHCHECK_URL") {
		t.Errorf("--help: %v %q", err, errOut.String())
	}
}

// TestHealthcheckHidesSecrets: whatever the check prints (it lands in
// `docker inspect`) holds no password or query of the URL it was given,
// parsable or not.
func TestHealthcheckHidesSecrets(t *testing.T) {
	t.Parallel()
	for _, target := range []string{
		"http://u:SECRETPW@127.0.0.1:1/healthz?t=SECRETQ",
		"http://u:SECRETPW@127.0.0.1:1/%zz?t=SECRETQ",
		"ftp://u:SECRETPW@127.0.0.1:1/?t=SECRETQ",
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"healthcheck", "--timeout=2s", target}, envOf(nil), &out, &errOut)
		printed := out.String() + errOut.String()
		if err != nil {
			printed += err.Error()
		}
		if err == nil || strings.Contains(printed, "SECRET") {
			t.Errorf("healthcheck %s: err %v, printed %q: want a failure that shows no secret", target, err, printed)
		}
	}
}

// TestWorkerHealthWithEMF runs a worker as on ECS (emf, no Prometheus)
// against a real redis-server: it serves /healthz on METRICS_ADDR and no
// /metrics, and `crawler healthcheck` turns unhealthy once Redis has been
// down for HEALTH_REDIS_GRACE, then healthy again when it is back.
func TestWorkerHealthWithEMF(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	addr := freeAddr(t)
	env := map[string]string{
		"REDIS_URL": "redis://" + rs.Addr(), "METRICS_ADDR": addr, "OTEL_METRICS_EXPORTER": "emf",
		"HEALTH_REDIS_GRACE": "1s", "SHUTDOWN_TIMEOUT": "5s", "LOG_FORMAT": "json",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--process=worker"}, envOf(env), &out, &errOut) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v", err)
		}
		if t.Failed() {
			t.Logf("stderr:\n%s", errOut.String())
		}
	}()
	url := "http://" + addr + "/healthz"
	check := func() error {
		var out, errOut bytes.Buffer
		return run(context.Background(), []string{"healthcheck", url}, envOf(nil), &out, &errOut)
	}
	waitFor(t, 20*time.Second, func() bool { return check() == nil })
	if resp, err := http.Get("http://" + addr + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics without prometheus: %v %v, want 404", resp, err)
	} else {
		resp.Body.Close()
	}

	rs.Kill()
	down := time.Now()
	var err error
	waitFor(t, 15*time.Second, func() bool { err = check(); return err != nil })
	// The grace runs from the last ping answered, up to a ping interval
	// (grace/6) before Redis stopped.
	if took := time.Since(down); took < 800*time.Millisecond {
		t.Errorf("unhealthy %s after Redis stopped, within the 1s grace", took)
	}
	if !errors.Is(err, errUnhealthy) || !strings.Contains(err.Error(), "answered 503 Service Unavailable: redis has not answered for") {
		t.Errorf("with Redis down: %v", err)
	}
	t.Logf("with Redis down: crawler: %v", err)

	rs.Restart(t)
	waitFor(t, 15*time.Second, func() bool { return check() == nil })
}
