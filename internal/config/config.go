package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawler-service/crawler/internal/schedule"
)

// The process names of --process.
const (
	ProcessAll       = "all"
	ProcessAPI       = "api"
	ProcessWorker    = "worker"
	ProcessScheduler = "scheduler"
	ProcessPublisher = "metric-publisher"
)

// Processes lists the valid process names.
var Processes = []string{ProcessAPI, ProcessWorker, ProcessScheduler, ProcessPublisher, ProcessAll}

// ErrInvalid marks a configuration error; the command exits 2 on it.
var ErrInvalid = errors.New("invalid configuration")

// Config is the whole service's configuration.
type Config struct {
	Process         string
	RedisURL        string // empty: all runs an embedded Redis, others refuse
	ShutdownTimeout time.Duration
	MetricsAddr     string // where /metrics is served; for api and all, the API address unless set
	LogFormat       string // json or text; empty = text on a terminal, json otherwise

	API       API
	Worker    Worker
	Fetch     Fetch
	Scheduler Scheduler
	Publisher Publisher
}

// API configures the HTTP API.
type API struct {
	Addr  string
	Token string // empty with all: a random token is made and printed once
	Open  bool   // API_AUTH=none: no token required (explicit opt-out)
}

// Worker configures a worker process.
type Worker struct {
	Concurrency       int
	Interval          time.Duration // pause after each job in a slot
	HeartbeatInterval time.Duration
	MaxAttempts       int
	Lease             time.Duration // a job idle longer than this is reclaimed from a dead worker
}

// Fetch configures the fetchers.
type Fetch struct {
	AllowPrivate       bool
	UserAgent          string
	Timeout            time.Duration
	MaxBodyBytes       int64
	PerHostConcurrency int
	PerHostGap         time.Duration
	PerHostShared      bool // CRAWL_PER_HOST_SHARED: the two above hold across all workers, through Redis
	Proxies            []string
	Robots             bool
	BrowserConcurrency int
	BrowserDriverPath  string // PLAYWRIGHT_DRIVER_PATH; empty: playwright-go's default
}

// Scheduler configures the scheduler.
type Scheduler struct {
	DefaultCron string
}

// Publisher configures the metric publisher.
type Publisher struct {
	Interval time.Duration
}

// Load reads the configuration of process through getenv.
func Load(process string, getenv func(string) string) (Config, error) {
	if !slices.Contains(Processes, process) {
		return Config{}, fmt.Errorf("%w: unknown process %q: valid are %s", ErrInvalid, process, strings.Join(Processes, ", "))
	}
	r := reader{getenv: getenv}
	c := Config{Process: process}
	c.RedisURL = r.url("REDIS_URL", "redis", "rediss", "unix")
	c.ShutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", 25*time.Second)
	c.LogFormat = r.oneOf("LOG_FORMAT", "", "json", "text")

	c.API.Addr = r.addr("API_ADDR", map[bool]string{true: "127.0.0.1:8080", false: ":8080"}[process == ProcessAll])
	c.API.Token = getenv("API_TOKEN")
	switch auth := r.oneOf("API_AUTH", "token", "token", "none"); auth {
	case "none":
		c.API.Open = true
	}
	defaultMetrics := ":9464"
	if process == ProcessAPI || process == ProcessAll {
		defaultMetrics = c.API.Addr
	}
	c.MetricsAddr = r.addr("METRICS_ADDR", defaultMetrics)

	c.Worker.Concurrency = r.intRange("WORKER_CONCURRENCY", 4, 1, 1024)
	c.Worker.Interval = time.Duration(r.intRange("WORKER_INTERVAL_MS", 0, 0, 3_600_000)) * time.Millisecond
	c.Worker.HeartbeatInterval = r.duration("HEARTBEAT_INTERVAL", 5*time.Minute)
	c.Worker.MaxAttempts = r.intRange("JOB_MAX_ATTEMPTS", 5, 1, 100)
	c.Worker.Lease = r.duration("JOB_LEASE", 30*time.Second)

	c.Fetch.AllowPrivate = r.boolean("CRAWL_ALLOW_PRIVATE", false)
	c.Fetch.UserAgent = getenv("CRAWL_USER_AGENT")
	c.Fetch.Timeout = r.duration("CRAWL_TIMEOUT", 30*time.Second)
	c.Fetch.MaxBodyBytes = int64(r.intRange("CRAWL_MAX_BODY_BYTES", 5<<20, 1024, 1<<30))
	c.Fetch.PerHostConcurrency = r.intRange("CRAWL_PER_HOST_CONCURRENCY", 2, 1, 1024)
	c.Fetch.PerHostGap = time.Duration(r.intRange("CRAWL_PER_HOST_GAP_MS", 0, 0, 600_000)) * time.Millisecond
	c.Fetch.PerHostShared = r.boolean("CRAWL_PER_HOST_SHARED", false)
	c.Fetch.Robots = r.boolean("CRAWL_ROBOTS", false)
	c.Fetch.BrowserConcurrency = r.intRange("BROWSER_CONCURRENCY", 2, 1, 64)
	c.Fetch.BrowserDriverPath = getenv("PLAYWRIGHT_DRIVER_PATH")
	if p := getenv("CRAWL_PROXIES"); p != "" {
		for _, s := range strings.Split(p, ",") {
			u, err := url.Parse(strings.TrimSpace(s))
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "socks5") {
				r.fail("CRAWL_PROXIES", "proxy URLs such as http://proxy:3128, comma-separated", redact(s))
				continue
			}
			c.Fetch.Proxies = append(c.Fetch.Proxies, u.String())
		}
	}

	c.Scheduler.DefaultCron = getenv("SCHEDULER_CRON")
	if c.Scheduler.DefaultCron == "" {
		c.Scheduler.DefaultCron = "*/10 * * * *"
	} else if _, err := schedule.ParseCron(c.Scheduler.DefaultCron); err != nil {
		// The scheduler's own parser, so what passes here runs there.
		r.fail("SCHEDULER_CRON", fmt.Sprintf("a cron expression that fires, such as */10 * * * *, @hourly or @every 30m (%v)", err),
			c.Scheduler.DefaultCron)
	}
	c.Publisher.Interval = time.Duration(r.intRange("METRIC_PUBLISH_INTERVAL_MS", 60000, 100, 86_400_000)) * time.Millisecond

	if err := errors.Join(r.errs...); err != nil {
		return c, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if c.RedisURL == "" && process != ProcessAll {
		return c, fmt.Errorf("%w: REDIS_URL is required for --process=%s (only all runs an embedded Redis)", ErrInvalid, process)
	}
	if process == ProcessAPI && c.API.Token == "" && !c.API.Open {
		return c, fmt.Errorf("%w: API_TOKEN is required for --process=api (or API_AUTH=none to run the API without authentication)", ErrInvalid)
	}
	return c, nil
}

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) fail(name, valid, value string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%q: want %s", name, value, valid))
}

func (r *reader) intRange(name string, def, lo, hi int) int {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, fmt.Sprintf("an integer from %d to %d", lo, hi), v)
		return def
	}
	return n
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, "a positive duration such as 30s or 5m", v)
		return def
	}
	return d
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, "true or false", v)
		return def
	}
	return b
}

func (r *reader) oneOf(name, def string, valid ...string) string {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	if !slices.Contains(valid, v) {
		r.fail(name, "one of "+strings.Join(valid, ", "), v)
		return def
	}
	return v
}

func (r *reader) addr(name, def string) string {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		r.fail(name, "host:port such as :8080 or 127.0.0.1:8080", v)
		return def
	}
	return v
}

func (r *reader) url(name string, schemes ...string) string {
	v := r.getenv(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || !slices.Contains(schemes, u.Scheme) {
		r.fail(name, "a URL with scheme "+strings.Join(schemes, ", ")+" such as redis://localhost:6379/0", redact(v))
		return ""
	}
	return v
}

// redact hides a password in a URL so it never reaches an error message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
