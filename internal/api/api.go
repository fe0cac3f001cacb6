package api

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// DefaultMaxBodyBytes fits a full batch: 10,000 jobs at ~800 bytes each.
const DefaultMaxBodyBytes = 8 << 20

// Config is the API's own settings. Every zero field means the default
// named on it.
type Config struct {
	// Token is the bearer token every /v1 request must carry. Empty with
	// Open false refuses every /v1 request: an unset token never means
	// "no auth".
	Token string
	// Open turns authentication off (API_AUTH=none).
	Open bool
	// MaxBodyBytes bounds a request body. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxBatch bounds the jobs of one POST /v1/jobs. Zero, or anything
	// above it, means queue.MaxBatch (10,000).
	MaxBatch int
	// Policy decides which URLs may be crawled; the worker's dialer applies
	// the same policy again to the addresses names resolve to.
	Policy netguard.Policy
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxBatch <= 0 || c.MaxBatch > queue.MaxBatch {
		c.MaxBatch = queue.MaxBatch
	}
	return c
}

// Jobs is what the API needs of the queue; *queue.Queue satisfies it.
type Jobs interface {
	Enqueue(ctx context.Context, reqs []queue.EnqueueRequest) ([]string, error)
	Status(ctx context.Context, id string) (crawler.Status, error)
	// ListJobs lists one page of the jobs in one state.
	ListJobs(ctx context.Context, o queue.ListOptions) (queue.JobPage, error)
	// Retry, Cancel and Delete act on one job; RetryFailed and
	// PurgeFailed on the failed jobs a filter matches (see jobactions.go).
	Retry(ctx context.Context, id, operator string) (crawler.Status, error)
	Cancel(ctx context.Context, id, operator string) (crawler.Status, error)
	Delete(ctx context.Context, id string) error
	RetryFailed(ctx context.Context, f queue.FailedFilter, operator string) (queue.Taken, error)
	PurgeFailed(ctx context.Context, f queue.FailedFilter) (queue.Taken, error)
	// Throughput counts the jobs finished in each of the last minutes.
	Throughput(ctx context.Context, minutes int) ([]queue.MinuteCounts, error)
	Counts(ctx context.Context) (crawler.QueueCounts, error)
	// Pause and Resume report whether the queue's state changed.
	Pause(ctx context.Context) (bool, error)
	Resume(ctx context.Context) (bool, error)
	// Workers lists the live workers.
	Workers(ctx context.Context) ([]crawler.WorkerInfo, error)
	Ping(ctx context.Context) error
}

// Schedules is what the API needs of the schedule store, which owns the
// schedules' results too; *schedule.Store satisfies it.
type Schedules interface {
	Put(ctx context.Context, s schedule.Schedule) (schedule.Schedule, error)
	Get(ctx context.Context, name string) (schedule.Schedule, error)
	List(ctx context.Context) ([]schedule.Schedule, error)
	Delete(ctx context.Context, name string) error
	Results(ctx context.Context, name string, n int) ([]schedule.Result, error)
	// SetPaused pauses or resumes a schedule, reporting whether that
	// changed it; a resume at at leaves the fires missed while paused
	// unrun.
	SetPaused(ctx context.Context, name string, paused bool, at time.Time) (schedule.Schedule, bool, error)
}

// Deps are the API's collaborators.
type Deps struct {
	Jobs      Jobs
	Schedules Schedules
	// Metrics serves GET /metrics (the Prometheus exporter); nil answers 404.
	Metrics http.Handler
	// MeterProvider receives the HTTP server metrics of the OpenTelemetry
	// contrib instrumentation; nil means no instrumentation.
	MeterProvider metric.MeterProvider
	// Logger nil means slog.Default().
	Logger *slog.Logger
}

// serverName is server.address on the API's spans and HTTP metrics.
const serverName = "crawler-api"

type server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	ops  *metrics.Operator // nil without a MeterProvider: counts nothing
	bulk chan struct{}     // held by the one bulk action on failed jobs running
	// tokenSum is the configured token's SHA-256, made once.
	tokenSum [sha256.Size]byte
}

// New returns the API's handler; NewServer serves it within the limits a
// public server needs.
func New(cfg Config, deps Deps) http.Handler {
	s := &server{cfg: cfg.withDefaults(), deps: deps, log: deps.Logger, bulk: make(chan struct{}, 1)}
	s.tokenSum = sha256.Sum256([]byte(s.cfg.Token))
	if s.log == nil {
		s.log = slog.Default()
	}
	if deps.MeterProvider != nil {
		ops, err := metrics.NewOperator(deps.MeterProvider)
		if err != nil {
			// Only a row of the wrong kind fails, which the metrics
			// tests catch; the API still serves, uncounted.
			s.log.Error("api: operator metrics", "err", err)
		}
		s.ops = ops
	}
	var h http.Handler = s.routes()
	h = s.recoverPanics(h)
	h = s.logRequests(h)
	if deps.MeterProvider != nil {
		// Outermost, so its duration covers everything, and after the mux
		// has run, so http.route is the matched pattern (a bounded value).
		h = otelhttp.NewHandler(h, "crawler-api", otelhttp.WithMeterProvider(deps.MeterProvider),
			// Only a caller with the token may make its trace ours (and so
			// choose trace ids and sampling): anyone else's request starts
			// a trace of its own that links to the context it sent.
			otelhttp.WithPublicEndpointFn(func(r *http.Request) bool { return s.credential(r) != tokenValid }),
			// server.address from the configuration, not the client's Host
			// header (it became span attributes and exemplar labels).
			otelhttp.WithServerName(serverName))
	}
	return h
}
