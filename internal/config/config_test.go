package config

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(ProcessAll, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.API.Addr != "127.0.0.1:8080" || c.MetricsAddr != c.API.Addr || c.Worker.Concurrency != 4 ||
		c.Worker.HeartbeatInterval != 5*time.Minute || c.ShutdownTimeout != 25*time.Second ||
		c.Publisher.Interval != time.Minute || c.Scheduler.DefaultCron != "*/10 * * * *" || c.Fetch.AllowPrivate ||
		c.Keys.Tag() != "{crawler}" || c.Queue.FailedRetention != 168*time.Hour || c.Queue.FailedMax != 10_000 {
		t.Errorf("defaults = %+v", c)
	}
	q, err := Load(ProcessAll, env(map[string]string{"QUEUE_FAILED_RETENTION": "48h", "QUEUE_FAILED_MAX": "500", "JOB_MAX_ATTEMPTS": "3"}))
	if qc := q.QueueConfig(); err != nil || qc.FailedRetention != 48*time.Hour || qc.FailedMax != 500 || qc.MaxAttempts != 3 || qc.Keys != q.Keys {
		t.Errorf("queue config = %+v, %v", qc, err)
	}
	w, err := Load(ProcessWorker, env(map[string]string{"REDIS_URL": "redis://localhost:6379"}))
	if err != nil {
		t.Fatal(err)
	}
	if w.MetricsAddr != ":9464" {
		t.Errorf("worker metrics addr = %q", w.MetricsAddr)
	}
	a, err := Load(ProcessAPI, env(map[string]string{"REDIS_URL": "redis://r:6379", "API_TOKEN": "t", "REDIS_PREFIX": "staging"}))
	if err != nil || a.API.Addr != ":8080" || a.Keys.Stream() != "{staging}:stream" {
		t.Errorf("api = %+v, keys %q, %v", a.API, a.Keys, err)
	}
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	redis := "redis://localhost:6379"
	tests := []struct {
		name, process string
		env           map[string]string
		want          []string // substrings of the error
	}{
		{"unknown process", "crawl", nil, []string{"crawl", "api, worker, scheduler, metric-publisher, all"}},
		{"worker without redis", ProcessWorker, nil, []string{"REDIS_URL is required"}},
		{"api without token", ProcessAPI, map[string]string{"REDIS_URL": redis}, []string{"API_TOKEN", "API_AUTH=none"}},
		{"concurrency", ProcessAll, map[string]string{"WORKER_CONCURRENCY": "zero"}, []string{"WORKER_CONCURRENCY", `"zero"`, "from 1 to 1024"}},
		{"negative interval", ProcessAll, map[string]string{"WORKER_INTERVAL_MS": "-5"}, []string{"WORKER_INTERVAL_MS"}},
		{"heartbeat", ProcessAll, map[string]string{"HEARTBEAT_INTERVAL": "often"}, []string{"HEARTBEAT_INTERVAL", "30s"}},
		{"cron", ProcessAll, map[string]string{"SCHEDULER_CRON": "every day"}, []string{"SCHEDULER_CRON", "cron"}},
		{"cron too often", ProcessAll, map[string]string{"SCHEDULER_CRON": "@every 10s"}, []string{"SCHEDULER_CRON", "at least 1m"}},
		{"cron that never fires", ProcessAll, map[string]string{"SCHEDULER_CRON": "0 0 30 2 *"}, []string{"SCHEDULER_CRON", "never fires"}},
		{"cron zone prefix alone", ProcessAll, map[string]string{"SCHEDULER_CRON": "TZ="}, []string{"SCHEDULER_CRON", "malformed"}},
		{"bool", ProcessAll, map[string]string{"CRAWL_ALLOW_PRIVATE": "yes please"}, []string{"CRAWL_ALLOW_PRIVATE", "true or false"}},
		{"addr", ProcessAll, map[string]string{"API_ADDR": "8080"}, []string{"API_ADDR", "host:port"}},
		{"redis scheme", ProcessAll, map[string]string{"REDIS_URL": "http://user:secret@h"}, []string{"REDIS_URL", "redis://"}},
		{"redis prefix", ProcessAll, map[string]string{"REDIS_PREFIX": "a{b}"}, []string{"REDIS_PREFIX", "without braces"}},
		{"auth", ProcessAll, map[string]string{"API_AUTH": "maybe"}, []string{"API_AUTH", "token, none"}},
		// httpproxy would send traffic direct for these: start-up stops instead.
		{"proxy env unparsable", ProcessAll, map[string]string{"HTTP_PROXY": "http://u:pw@127.0.0.1:3128/%zz"}, []string{"HTTP_PROXY", "proxy URL"}},
		{"proxy env scheme", ProcessAll, map[string]string{"https_proxy": "ftp://proxy:21"}, []string{"https_proxy", "proxy URL"}},
		{"failed retention", ProcessAll, map[string]string{"QUEUE_FAILED_RETENTION": "-1h"}, []string{"QUEUE_FAILED_RETENTION", "at least 1m0s"}},
		// 500µs would be SET … PX 0, which Redis refuses: the job would stay active.
		{"failed retention under a minute", ProcessAll, map[string]string{"QUEUE_FAILED_RETENTION": "500us"}, []string{"QUEUE_FAILED_RETENTION", "at least 1m0s"}},
		{"failed max", ProcessAll, map[string]string{"QUEUE_FAILED_MAX": "0"}, []string{"QUEUE_FAILED_MAX", "from 1 to 1000000"}},
		{"two at once", ProcessAll, map[string]string{"WORKER_CONCURRENCY": "0", "METRIC_PUBLISH_INTERVAL_MS": "x"}, []string{"WORKER_CONCURRENCY", "METRIC_PUBLISH_INTERVAL_MS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tc.process, env(tc.env))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a password: %v", err)
			}
		})
	}
}

func TestAPIOpenIsExplicit(t *testing.T) {
	t.Parallel()
	c, err := Load(ProcessAPI, env(map[string]string{"REDIS_URL": "redis://r:6379", "API_AUTH": "none"}))
	if err != nil || !c.API.Open {
		t.Errorf("API_AUTH=none: %+v %v", c.API, err)
	}
}

func TestAPILimits(t *testing.T) {
	t.Parallel()
	c, err := Load(ProcessAll, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := API{Addr: "127.0.0.1:8080", ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 75 * time.Second, MaxHeaderBytes: 16 << 10, MaxConnections: 1024}
	if c.API != want {
		t.Errorf("defaults = %+v, want %+v", c.API, want)
	}
	c, err = Load(ProcessAll, env(map[string]string{
		"API_READ_HEADER_TIMEOUT": "1s", "API_READ_TIMEOUT": "2s", "API_WRITE_TIMEOUT": "3s",
		"API_IDLE_TIMEOUT": "4s", "API_MAX_HEADER_BYTES": "4096", "API_MAX_CONNECTIONS": "50",
	}))
	want = API{Addr: "127.0.0.1:8080", ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second,
		WriteTimeout: 3 * time.Second, IdleTimeout: 4 * time.Second, MaxHeaderBytes: 4096, MaxConnections: 50}
	if err != nil || c.API != want {
		t.Errorf("set = %+v, %v; want %+v", c.API, err, want)
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"API_READ_TIMEOUT": "0s"}, "API_READ_TIMEOUT"},
		{map[string]string{"API_IDLE_TIMEOUT": "forever"}, "API_IDLE_TIMEOUT"},
		{map[string]string{"API_MAX_CONNECTIONS": "0"}, "API_MAX_CONNECTIONS"},
		{map[string]string{"API_MAX_HEADER_BYTES": "100"}, "API_MAX_HEADER_BYTES"},
		{map[string]string{"API_READ_HEADER_TIMEOUT": "1m"}, "longer than API_READ_TIMEOUT"},
		{map[string]string{"API_READ_TIMEOUT": "2m"}, "longer than API_WRITE_TIMEOUT"},
	} {
		if _, err := Load(ProcessAll, env(tt.env)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want an error naming %s", tt.env, err, tt.want)
		}
	}
}

func TestFetchProxyEnvAndPageBytes(t *testing.T) {
	t.Parallel()
	c, err := Load(ProcessAll, env(nil))
	if err != nil || c.Fetch.ProxyEnv != nil || c.Fetch.BrowserMaxPageBytes != 0 {
		t.Errorf("unset: proxy env %+v, page bytes %d, %v; want nil and 0", c.Fetch.ProxyEnv, c.Fetch.BrowserMaxPageBytes, err)
	}
	c, err = Load(ProcessAll, env(map[string]string{
		"https_proxy": "http://lower:3128", "HTTP_PROXY": "http://upper:3128", "NO_PROXY": "internal.example",
		"BROWSER_MAX_PAGE_BYTES": "10485760",
	}))
	if err != nil || c.Fetch.ProxyEnv == nil || c.Fetch.ProxyEnv.HTTPSProxy != "http://lower:3128" ||
		c.Fetch.ProxyEnv.HTTPProxy != "http://upper:3128" || c.Fetch.ProxyEnv.NoProxy != "internal.example" || c.Fetch.BrowserMaxPageBytes != 10<<20 {
		t.Errorf("set: proxy env %+v, page bytes %d, %v", c.Fetch.ProxyEnv, c.Fetch.BrowserMaxPageBytes, err)
	}
	if _, err := Load(ProcessAll, env(map[string]string{"BROWSER_MAX_PAGE_BYTES": "1000"})); err == nil || !strings.Contains(err.Error(), "BROWSER_MAX_PAGE_BYTES") {
		t.Errorf("page bytes below CRAWL_MAX_BODY_BYTES: %v, want an error", err)
	}
}

func TestHealthVariables(t *testing.T) {
	t.Parallel()
	base := map[string]string{"REDIS_URL": "redis://127.0.0.1:1", "WORKER_INTERVAL_MS": "10000"}
	tests := []struct {
		env          map[string]string
		grace, stall time.Duration
		wantErr      string
	}{
		{nil, 30 * time.Second, 2*30*time.Second + 10*time.Second + 2*time.Minute, ""},
		{map[string]string{"HEALTH_REDIS_GRACE": "1m", "HEALTH_WORKER_STALL": "10m"}, time.Minute, 10 * time.Minute, ""},
		{map[string]string{"HEALTH_REDIS_GRACE": "30"}, 0, 0, `HEALTH_REDIS_GRACE="30": want a duration of at least 1s`},
		{map[string]string{"HEALTH_REDIS_GRACE": "500ms"}, 0, 0, "HEALTH_REDIS_GRACE"},
		// A job may hold its slot for 2 × CRAWL_TIMEOUT + WORKER_INTERVAL_MS = 70 s.
		{map[string]string{"HEALTH_WORKER_STALL": "1m"}, 0, 0, `HEALTH_WORKER_STALL="1m": want a duration of at least 1m11s`},
	}
	for _, tt := range tests {
		vars := maps.Clone(base)
		maps.Copy(vars, tt.env)
		c, err := Load(ProcessWorker, env(vars))
		switch {
		case tt.wantErr != "":
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err %v, want ErrInvalid with %q", tt.env, err, tt.wantErr)
			}
		case err != nil || c.Health.RedisGrace != tt.grace || c.Health.WorkerStall != tt.stall:
			t.Errorf("%v: %+v, %v; want grace %s, stall %s", tt.env, c.Health, err, tt.grace, tt.stall)
		}
	}
}
