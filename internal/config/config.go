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

	"golang.org/x/net/http/httpproxy"

	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/queue"
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
	RedisURL        string        // empty: all runs an embedded Redis, others refuse
	Keys            keyspace.Keys // REDIS_PREFIX: names every Redis key, under "{prefix}:"
	ShutdownTimeout time.Duration
	MetricsAddr     string // where /metrics is served; for api and all, the API address unless set
	LogFormat       string // json or text; empty = text on a terminal, json otherwise

	API       API
	Queue     Queue
	Worker    Worker
	Fetch     Fetch
	Scheduler Scheduler
	Publisher Publisher
	Health    Health
}

// API configures the HTTP API.
type API struct {
	Addr  string
	Token string // empty with all: a random token is made and printed once
	Open  bool   // API_AUTH=none: no token required (explicit opt-out)

	// What one client may hold of the server. ReadTimeout bounds a whole
	// request, body included; WriteTimeout runs from the end of the headers
	// to the end of the answer; IdleTimeout bounds a kept-alive connection
	// between requests. Load keeps ReadHeaderTimeout <= ReadTimeout <=
	// WriteTimeout.
	ReadHeaderTimeout time.Duration // API_READ_HEADER_TIMEOUT
	ReadTimeout       time.Duration // API_READ_TIMEOUT
	WriteTimeout      time.Duration // API_WRITE_TIMEOUT
	IdleTimeout       time.Duration // API_IDLE_TIMEOUT
	MaxHeaderBytes    int           // API_MAX_HEADER_BYTES
	MaxConnections    int           // API_MAX_CONNECTIONS: open connections per process
}

// Queue holds the queue's own settings (the rest of queue.Config comes
// from Worker); QueueConfig puts them together.
type Queue struct {
	FailedRetention time.Duration // QUEUE_FAILED_RETENTION: how long a failed job stays retryable
	FailedMax       int           // QUEUE_FAILED_MAX: most failed jobs kept; the oldest go first
}

// QueueConfig is the queue.Config of c: every process that opens the
// queue should use it, so that all park and drop failed jobs alike.
func (c Config) QueueConfig() queue.Config {
	return queue.Config{
		Keys: c.Keys, Lease: c.Worker.Lease, MaxAttempts: c.Worker.MaxAttempts,
		FailedRetention: c.Queue.FailedRetention, FailedMax: c.Queue.FailedMax,
	}
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
	// ProxyEnv is the standard HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or
	// their lower-case spellings), for when Proxies is empty; nil when none
	// is set.
	ProxyEnv           *httpproxy.Config
	Robots             bool
	BrowserConcurrency int
	BrowserDriverPath  string // PLAYWRIGHT_DRIVER_PATH; empty: playwright-go's default
	// BrowserMaxPageBytes bounds everything one browser page loads
	// (BROWSER_MAX_PAGE_BYTES, at least MaxBodyBytes); 0: the browser's
	// default, 5 × MaxBodyBytes.
	BrowserMaxPageBytes int64
}

// Health bounds /healthz on the metrics listener.
type Health struct {
	// RedisGrace is how long Redis may go without answering before
	// /healthz answers 503 (HEALTH_REDIS_GRACE).
	RedisGrace time.Duration
	// WorkerStall is how long a worker's reader may go without coming
	// round its loop (HEALTH_WORKER_STALL).
	WorkerStall time.Duration
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
	c.Keys = r.keys("REDIS_PREFIX")
	c.ShutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", 25*time.Second)
	c.LogFormat = r.oneOf("LOG_FORMAT", "", "json", "text")

	c.API.Addr = r.addr("API_ADDR", map[bool]string{true: "127.0.0.1:8080", false: ":8080"}[process == ProcessAll])
	c.API.Token = getenv("API_TOKEN")
	switch auth := r.oneOf("API_AUTH", "token", "token", "none"); auth {
	case "none":
		c.API.Open = true
	}
	c.API.ReadHeaderTimeout = r.duration("API_READ_HEADER_TIMEOUT", 10*time.Second)
	c.API.ReadTimeout = r.duration("API_READ_TIMEOUT", 30*time.Second)
	c.API.WriteTimeout = r.duration("API_WRITE_TIMEOUT", 60*time.Second)
	// Above a load balancer's usual 60 s, so that the balancer closes a
	// pooled connection first rather than send a request on one we close.
	c.API.IdleTimeout = r.duration("API_IDLE_TIMEOUT", 75*time.Second)
	c.API.MaxHeaderBytes = r.intRange("API_MAX_HEADER_BYTES", 16<<10, 1<<10, 1<<20)
	c.API.MaxConnections = r.intRange("API_MAX_CONNECTIONS", 1024, 1, 1_000_000)
	if c.API.ReadHeaderTimeout > c.API.ReadTimeout {
		r.errs = append(r.errs, fmt.Errorf("API_READ_HEADER_TIMEOUT=%s is longer than API_READ_TIMEOUT=%s, which bounds the headers too", c.API.ReadHeaderTimeout, c.API.ReadTimeout))
	}
	if c.API.ReadTimeout > c.API.WriteTimeout {
		r.errs = append(r.errs, fmt.Errorf("API_READ_TIMEOUT=%s is longer than API_WRITE_TIMEOUT=%s, which runs while the body is read", c.API.ReadTimeout, c.API.WriteTimeout))
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
	// Under a minute a failed job would be gone before anyone could look;
	// under a millisecond Redis refuses the expiry and the job stays active.
	c.Queue.FailedRetention = r.durationAtLeast("QUEUE_FAILED_RETENTION", 7*24*time.Hour, time.Minute)
	c.Queue.FailedMax = r.intRange("QUEUE_FAILED_MAX", 10_000, 1, 1_000_000)

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
	c.Fetch.BrowserMaxPageBytes = int64(r.intRange("BROWSER_MAX_PAGE_BYTES", 0, int(c.Fetch.MaxBodyBytes), 1<<31-1))
	c.Fetch.ProxyEnv = proxyEnv(&r)
	if p := getenv("CRAWL_PROXIES"); p != "" {
		for _, s := range strings.Split(p, ",") {
			s = strings.TrimSpace(s)
			u, err := fetch.ParseProxy(s)
			if err != nil {
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

	// A job holds its slot for at most two method attempts (auto: HTTP,
	// then the browser) of CRAWL_TIMEOUT each, plus WORKER_INTERVAL_MS, and
	// the reader waits for a slot that long: the stall bound must exceed
	// that, and by default has two minutes to spare.
	busiest := 2*c.Fetch.Timeout + c.Worker.Interval
	c.Health.RedisGrace = r.durationAtLeast("HEALTH_REDIS_GRACE", 30*time.Second, time.Second)
	c.Health.WorkerStall = r.durationAtLeast("HEALTH_WORKER_STALL", busiest+2*time.Minute, busiest+time.Second)

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

// fail records an invalid value. A value with an '@' is shown redacted
// whatever the variable: it may be a URL with a password put in the wrong
// place.
func (r *reader) fail(name, valid, value string) {
	if strings.Contains(value, "@") {
		value = redact(value)
	}
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

// durationAtLeast is duration with a floor, which the error names.
func (r *reader) durationAtLeast(name string, def, least time.Duration) time.Duration {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < least {
		r.fail(name, fmt.Sprintf("a duration of at least %s, such as %s", least, def), v)
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

func (r *reader) keys(name string) keyspace.Keys {
	v := r.getenv(name)
	if v == "" {
		return keyspace.Keys(keyspace.DefaultPrefix)
	}
	k, err := keyspace.New(v)
	if err != nil {
		r.fail(name, fmt.Sprintf("1 to %d characters without braces, spaces or control characters", keyspace.MaxPrefixLength), v)
		return keyspace.Keys(keyspace.DefaultPrefix)
	}
	return k
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
	// An opaque "redis:user:pw@host" or a URL without a host would reach the
	// client's default, localhost, without a word.
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Opaque != "" || (u.Host == "" && (u.Scheme != "unix" || u.Path == "")) {
		r.fail(name, "a URL with scheme "+strings.Join(schemes, ", ")+" and a host (or, for unix, a path) such as redis://localhost:6379/0", redact(v))
		return ""
	}
	return v
}

// proxyEnv reads the standard proxy variables, in either case, as net/http's
// ProxyFromEnvironment does, but through getenv. (Not its REQUEST_METHOD
// check: the crawler never runs as a CGI program.)
func proxyEnv(r *reader) *httpproxy.Config {
	either := func(upper, lower string) string {
		name, v := upper, r.getenv(upper)
		if v == "" {
			name, v = lower, r.getenv(lower)
		}
		if v != "" && upper != "NO_PROXY" && !validProxy(v) {
			// httpproxy would quietly go direct: egress must not skip a
			// proxy an operator asked for.
			r.fail(name, "a proxy URL such as http://proxy:3128", redact(v))
		}
		return v
	}
	c := &httpproxy.Config{
		HTTPProxy:  either("HTTP_PROXY", "http_proxy"),
		HTTPSProxy: either("HTTPS_PROXY", "https_proxy"),
		NoProxy:    either("NO_PROXY", "no_proxy"),
	}
	if c.HTTPProxy == "" && c.HTTPSProxy == "" {
		return nil
	}
	return c
}

// validProxy is httpproxy's reading of a proxy variable (a URL, or a
// host:port taken as http://), refusing what it would silently ignore.
func validProxy(v string) bool {
	if _, err := fetch.ParseProxy(v); err == nil {
		return true
	}
	_, err := fetch.ParseProxy("http://" + v)
	return !strings.Contains(v, "://") && err == nil
}

// masked stands for what redact hides.
const masked = "xxxxx"

// redact shows a URL-like value only as far as it surely holds no
// credential: a scheme, a plain host, a numeric port, a numeric path (a
// Redis database). Anything before an '@' and every other part becomes
// xxxxx. It does not parse the value: a password is as likely in a value
// that fails to parse (which is why it is in an error) as in one that
// parses, and in any spelling, percent-encoded or not.
func redact(raw string) string {
	var b strings.Builder
	rest := raw
	if scheme, after, ok := strings.Cut(rest, "://"); ok && isScheme(scheme) {
		b.WriteString(scheme + "://")
		rest = after
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		b.WriteString(masked + "@")
		rest = rest[i+1:]
	}
	authority, path, query := rest, "", ""
	if i := strings.IndexAny(authority, "?#"); i >= 0 {
		authority, query = authority[:i], authority[i:]
	}
	if i := strings.IndexByte(authority, '/'); i >= 0 {
		authority, path = authority[:i], authority[i:]
	}
	host, port, hasPort := authority, "", false
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
		host, port, hasPort = authority[:i], authority[i+1:], true
	}
	b.WriteString(keepIf(host, isHost))
	if hasPort {
		b.WriteString(":" + keepIf(port, isDigits))
	}
	if path != "" {
		b.WriteString("/" + keepIf(path[1:], isDigits))
	}
	if query != "" {
		b.WriteString(query[:1] + masked)
	}
	return b.String()
}

func keepIf(s string, ok func(string) bool) string {
	if s == "" || ok(s) {
		return s
	}
	return masked
}

func isScheme(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") == ""
}

func isDigits(s string) bool { return strings.Trim(s, "0123456789") == "" }

// isHost accepts a name or IPv4 address, or an IPv6 address in brackets.
func isHost(s string) bool {
	if strings.HasPrefix(s, "[") {
		return strings.HasSuffix(s, "]") && strings.Trim(s[1:len(s)-1], "0123456789abcdefABCDEF:.") == ""
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == ""
}
