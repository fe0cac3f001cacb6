package metrics

import (
	"slices"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Kind is the instrument kind of a definition.
type Kind string

// The instrument kinds used by the table.
const (
	Counter           Kind = "counter"
	Histogram         Kind = "histogram"
	ObservableGauge   Kind = "observable gauge"
	ObservableCounter Kind = "observable counter"
	UpDownCounter     Kind = "up-down counter"
)

// Attribute is a bounded attribute: every value it may take is listed, so the
// number of series (and of CloudWatch custom metrics) is known in advance.
type Attribute struct {
	Key        string   // OpenTelemetry attribute key
	CloudWatch string   // CloudWatch dimension name
	Values     []string // every value it can take
}

// Definition is one row of the table.
type Definition struct {
	Name        string // OpenTelemetry instrument name
	Kind        Kind
	Unit        string // UCUM, as OpenTelemetry expects
	Description string
	From        string // the process that records it
	Attributes  []Attribute
	Buckets     []float64 // explicit histogram boundaries, for histograms

	// CloudWatchName is the published CloudWatch metric name; empty means the
	// instrument is not sent to CloudWatch (Prometheus and OTLP only).
	CloudWatchName string
	// DimensionSets are the default CloudWatch dimension sets, by CloudWatch
	// dimension name. nil means one set without dimensions; an empty set
	// among others is the dimensionless rollup.
	DimensionSets [][]string
	// PerWorker marks metrics recorded by every worker: with the opt-in
	// WorkerId they get one more set, {WorkerId}, beside the defaults.
	PerWorker bool
}

// WorkerIDDimension is the opt-in per-worker CloudWatch dimension; its
// value is the resource's service.instance.id.
const WorkerIDDimension = "WorkerId"

// CloudWatchSets are the dimension sets d is published under: the defaults
// and, with workerID, {WorkerId} for a per-worker metric. The per-worker
// set is WorkerId alone, not WorkerId added to each default set: one custom
// metric per worker and metric answers "which worker", while the breakdown
// of one worker by status or error type is in the EMF lines (WorkerId is a
// property there) at no metric cost. The defaults stay, so every alarm,
// widget and scaling policy keeps its data whatever the setting.
func (d Definition) CloudWatchSets(workerID bool) [][]string {
	sets := d.DimensionSets
	if len(sets) == 0 {
		sets = [][]string{{}}
	}
	if workerID && d.PerWorker {
		sets = append(slices.Clone(sets), []string{WorkerIDDimension})
	}
	return sets
}

// Attribute keys and values.
const (
	AttrStatus    = "crawler.job.status"
	AttrMethod    = "crawler.job.method"
	AttrErrorType = "error.type"
	// AttrBrowserLoss says how a browser was lost: LossRenderer or
	// LossDisconnected.
	AttrBrowserLoss = "reason"
	// AttrExporter names the push exporter (cloudwatch, emf) whose health
	// an exporter-health instrument reports.
	AttrExporter = "exporter"
	// AttrOutcome is a delivery's outcome, OutcomeSuccess or OutcomeFailed.
	AttrOutcome = "outcome"
	// AttrDropReason says why an exporter dropped a datum.
	AttrDropReason = "reason"
	// AttrAction is an operator action, one of OperatorActionValues.
	AttrAction = "crawler.operator.action"

	StatusSuccess = "success"
	StatusFailed  = "failed"

	LossRenderer     = "renderer"     // a page's renderer crashed
	LossDisconnected = "disconnected" // the browser process went away

	OutcomeSuccess = "success"
	OutcomeFailed  = "failed"
)

// The operator actions of the API.
const (
	ActionPause           = "pause"            // the queue paused
	ActionResume          = "resume"           // the queue resumed
	ActionRetry           = "retry"            // one failed job retried
	ActionRetryFailed     = "retry_failed"     // failed jobs retried in bulk
	ActionDelete          = "delete"           // one failed job deleted
	ActionCancel          = "cancel"           // one waiting or delayed job canceled
	ActionPurgeFailed     = "purge_failed"     // failed jobs deleted in bulk
	ActionSchedulePause   = "schedule_pause"   // a schedule paused
	ActionScheduleResume  = "schedule_resume"  // a schedule resumed
	ActionScheduleTrigger = "schedule_trigger" // a schedule fired by hand
)

// OperatorActionValues lists every value of AttrAction.
var OperatorActionValues = []string{
	ActionPause, ActionResume, ActionRetry, ActionRetryFailed, ActionDelete, ActionCancel,
	ActionPurgeFailed, ActionSchedulePause, ActionScheduleResume, ActionScheduleTrigger,
}

var (
	status         = Attribute{AttrStatus, "Status", []string{StatusSuccess, StatusFailed}}
	method         = Attribute{AttrMethod, "Method", methodValues()}
	errorType      = Attribute{AttrErrorType, "ErrorType", errorTypeValues()}
	reason         = Attribute{AttrBrowserLoss, "Reason", []string{LossRenderer, LossDisconnected}}
	exporter       = Attribute{AttrExporter, "Exporter", []string{"cloudwatch", "emf"}}
	outcome        = Attribute{AttrOutcome, "Outcome", []string{OutcomeSuccess, OutcomeFailed}}
	operatorAction = Attribute{AttrAction, "Action", OperatorActionValues}
	// dropReason lists every reason the cloudwatch and emf exporters give
	// (a test holds them to it), so the series can start at zero.
	dropReason = Attribute{AttrDropReason, "Reason", []string{
		"non_finite", "missing_dimension", "unsupported", "invalid", "too_old", "too_new",
		"buffer_full", "rejected", "name_collision", "too_large", "write_failed", "canceled", "writer_blocked",
	}}
)

// methodValues are the methods that fetch a page: auto is a choice
// between them, and a result names the one that produced it.
func methodValues() []string {
	v := make([]string, len(crawler.FetchMethods))
	for i, m := range crawler.FetchMethods {
		v[i] = string(m)
	}
	return v
}

func errorTypeValues() []string {
	v := make([]string, len(crawler.ErrorTypes))
	for i, t := range crawler.ErrorTypes {
		v[i] = string(t)
	}
	return v
}

// JobDurationBuckets are the boundaries, in seconds, of the job duration
// histogram: from a fast cached page to a slow browser render.
var JobDurationBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120}

// The definitions. Table lists them all.
var (
	QueueWaiting = Definition{
		Name: "crawler.queue.waiting", Kind: ObservableGauge, Unit: "{job}", From: "metric-publisher",
		Description:    "Jobs waiting to be picked up by a worker; the autoscaling trigger.",
		CloudWatchName: "QueueWaitingJobs",
	}
	QueueActive = Definition{
		Name: "crawler.queue.active", Kind: ObservableGauge, Unit: "{job}", From: "metric-publisher",
		Description:    "Jobs being processed by a worker.",
		CloudWatchName: "QueueActiveJobs",
	}
	QueueFailed = Definition{
		Name: "crawler.queue.failed", Kind: ObservableGauge, Unit: "{job}", From: "metric-publisher",
		Description:    "Jobs that gave up (permanent error or retries exhausted), parked and inspectable.",
		CloudWatchName: "QueueFailedJobs",
	}
	QueueDelayed = Definition{
		Name: "crawler.queue.delayed", Kind: ObservableGauge, Unit: "{job}", From: "metric-publisher",
		Description:    "Jobs waiting for a retry backoff or a later time.",
		CloudWatchName: "QueueDelayedJobs",
	}
	QueueOldestAge = Definition{
		Name: "crawler.queue.oldest_job.age", Kind: ObservableGauge, Unit: "s", From: "metric-publisher",
		Description:    "Seconds the oldest waiting job has waited.",
		CloudWatchName: "QueueOldestJobAge",
	}
	QueueBacklogPerWorker = Definition{
		Name: "crawler.queue.backlog_per_worker", Kind: ObservableGauge, Unit: "1", From: "metric-publisher",
		Description:    "Waiting jobs divided by live workers (waiting jobs when no worker is live); the target-tracking metric.",
		CloudWatchName: "QueueBacklogPerWorker",
	}
	QueueWorkers = Definition{
		Name: "crawler.queue.workers", Kind: ObservableGauge, Unit: "{worker}", From: "metric-publisher",
		Description: "Workers whose heartbeat in Redis is recent.",
	}
	// QueuePaused stays off CloudWatch: a paused queue already shows there
	// as waiting jobs that do not fall, and each custom metric is billed.
	QueuePaused = Definition{
		Name: "crawler.queue.paused", Kind: ObservableGauge, Unit: "1", From: "metric-publisher",
		Description: "1 while an operator has paused the queue (workers take no new jobs), 0 otherwise.",
	}
	// QueueFailedDropped stays off CloudWatch like the pause flag: it is
	// read for an investigation, not alarmed on.
	QueueFailedDropped = Definition{
		Name: "crawler.queue.failed.dropped", Kind: ObservableCounter, Unit: "{job}", From: "metric-publisher",
		Description: "Failed jobs dropped unretried by retention (older than QUEUE_FAILED_RETENTION, or the oldest beyond QUEUE_FAILED_MAX), as Redis counts them.",
	}
	OperatorActions = Definition{
		Name: "crawler.operator.actions", Kind: Counter, Unit: "{action}", From: "api",
		Description: "Operator actions taken through the API, by action; a request that changed nothing counts too.",
		Attributes:  []Attribute{operatorAction},
	}
	OperatorJobs = Definition{
		Name: "crawler.operator.jobs", Kind: Counter, Unit: "{job}", From: "api",
		Description: "Jobs and schedules an operator action changed, by action (a bulk retry of 500 jobs adds 500).",
		Attributes:  []Attribute{operatorAction},
	}
	PublisherReadErrors = Definition{
		Name: "crawler.publisher.read.errors", Kind: Counter, Unit: "{error}", From: "metric-publisher",
		Description: "Failed reads of the queue's counts (Redis unreachable); the gauges are not reported until a read succeeds.",
	}
	JobDuration = Definition{
		Name: "crawler.worker.job.duration", Kind: Histogram, Unit: "s", From: "worker",
		Description:    "Seconds a job attempt took, by outcome and by the method that produced it.",
		Attributes:     []Attribute{status, method},
		Buckets:        JobDurationBuckets,
		CloudWatchName: "WorkerJobDuration", DimensionSets: [][]string{{"Status", "Method"}, {}}, PerWorker: true,
	}
	JobsCompleted = Definition{
		Name: "crawler.worker.jobs.completed", Kind: Counter, Unit: "{job}", From: "worker",
		Description:    "Job attempts finished; a failed attempt that will be retried counts as failed.",
		Attributes:     []Attribute{status},
		CloudWatchName: "WorkerJobsCompleted", DimensionSets: [][]string{{"Status"}, {}}, PerWorker: true,
	}
	WorkerErrors = Definition{
		Name: "crawler.worker.errors", Kind: Counter, Unit: "{error}", From: "worker",
		Description:    "Job errors by type.",
		Attributes:     []Attribute{errorType},
		CloudWatchName: "WorkerErrors", DimensionSets: [][]string{{"ErrorType"}, {}}, PerWorker: true,
	}
	WorkerHeartbeat = Definition{
		Name: "crawler.worker.heartbeat", Kind: Counter, Unit: "{heartbeat}", From: "worker",
		Description:    "One per worker per HEARTBEAT_INTERVAL; a sum over a period counts live workers.",
		CloudWatchName: "WorkerHeartbeat", PerWorker: true,
	}
)

// The browser fetcher's own health (Prometheus and OTLP only: not worth a
// CloudWatch metric each).
var (
	BrowserLaunches = Definition{
		Name: "crawler.browser.launches", Kind: Counter, Unit: "{launch}", From: "worker",
		Description: "Browsers launched, the first and every relaunch.",
	}
	BrowserCrashes = Definition{
		Name: "crawler.browser.crashes", Kind: Counter, Unit: "{crash}", From: "worker",
		Description: "Browsers lost to a renderer crash or a disconnect.",
		Attributes:  []Attribute{reason},
	}
	BrowserPagesOpen = Definition{
		Name: "crawler.browser.pages.open", Kind: UpDownCounter, Unit: "{page}", From: "worker",
		Description: "Browser pages open now.",
	}
	BrowserRequestsBlocked = Definition{
		Name: "crawler.browser.requests.blocked", Kind: Counter, Unit: "{request}", From: "worker",
		Description: "Page requests (navigations and subresources) refused by the target policy.",
	}
)

// The push exporters' own health, recorded by every process that runs the
// cloudwatch or emf exporter (otel builds them from these rows, which cmd
// hands it). Published to CloudWatch so that lost metrics show where the
// metrics go; the requests by outcome stay on Prometheus and OTLP.
var (
	ExporterDatumsSent = Definition{
		Name: "metrics_exporter.datums.sent", Kind: ObservableCounter, Unit: "{datum}", From: "every process",
		Description:    "Datums the exporter delivered (CloudWatch accepted, or EMF lines written).",
		Attributes:     []Attribute{exporter},
		CloudWatchName: "ExporterDatumsSent", DimensionSets: [][]string{{"Exporter"}},
	}
	ExporterRequests = Definition{
		Name: "metrics_exporter.requests", Kind: ObservableCounter, Unit: "{request}", From: "every process",
		Description: "PutMetricData calls or EMF writes, by outcome.",
		Attributes:  []Attribute{exporter, outcome},
	}
	ExporterPointsDropped = Definition{
		Name: "metrics_exporter.points.dropped", Kind: ObservableCounter, Unit: "{datum}", From: "every process",
		Description:    "What will never reach CloudWatch, by reason.",
		Attributes:     []Attribute{exporter, dropReason},
		CloudWatchName: "ExporterPointsDropped", DimensionSets: [][]string{{}, {"Exporter"}},
	}
	ExporterBuffered = Definition{
		Name: "metrics_exporter.buffered", Kind: ObservableGauge, Unit: "{datum}", From: "every process",
		Description:    "Datums held for the next export while CloudWatch is unreachable (cloudwatch exporter only).",
		Attributes:     []Attribute{exporter},
		CloudWatchName: "ExporterBuffered",
	}
)

// Instrumentation is a library that records instruments of its own, under
// its own instrumentation scope and semantic-convention names: the table
// lists the library, not each instrument it may add in a new version.
type Instrumentation struct {
	Scope       string // instrumentation scope name
	From        string
	Description string
}

// Instrumentations are the libraries whose instruments a process records
// besides the table's rows.
var Instrumentations = []Instrumentation{
	{"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "api",
		"HTTP server metrics (`http.server.*`, OpenTelemetry semantic conventions; no host or URL attributes)."},
	{"go.opentelemetry.io/contrib/instrumentation/runtime", "every process",
		"Go runtime metrics (`go.*`, OpenTelemetry semantic conventions)."},
}

// Table is every metric the crawler records, in documentation order.
var Table = []Definition{
	QueueWaiting, QueueActive, QueueFailed, QueueDelayed, QueueOldestAge, QueueBacklogPerWorker, QueueWorkers,
	QueuePaused, QueueFailedDropped, PublisherReadErrors,
	OperatorActions,
	OperatorJobs,
	JobDuration, JobsCompleted, WorkerErrors, WorkerHeartbeat,
	BrowserLaunches, BrowserCrashes, BrowserPagesOpen, BrowserRequestsBlocked,
	ExporterDatumsSent, ExporterRequests, ExporterPointsDropped, ExporterBuffered,
}
