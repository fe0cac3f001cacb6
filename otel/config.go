package otel

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// The exporter names OTEL_METRICS_EXPORTER accepts.
const (
	ExporterPrometheus = "prometheus"
	ExporterCloudWatch = "cloudwatch"
	ExporterEMF        = "emf"
	ExporterOTLP       = "otlp"
	ExporterConsole    = "console"
	ExporterNone       = "none"
)

// ExporterNames lists every valid exporter name.
var ExporterNames = []string{ExporterPrometheus, ExporterCloudWatch, ExporterEMF, ExporterOTLP, ExporterConsole, ExporterNone}

// Config is everything Setup needs. The zero value of a field means the
// default given in its comment.
type Config struct {
	// Exporters to run at once, by the names ParseExporters accepts; empty
	// means prometheus. "none" alone turns metrics export off: instruments
	// still work and record into nothing.
	Exporters []string

	ServiceName       string // default "unknown_service"
	ServiceVersion    string
	ServiceInstanceID string // default: host name, process id and a random suffix
	// Attributes are added to the resource (for example the process type).
	Attributes []attribute.KeyValue
	// Detectors are the resource detectors to run: "ecs", "ec2". Off AWS none
	// should run: the EC2 detector waits on IMDS. DetectTimeout bounds them
	// (default 2s).
	Detectors     []string
	DetectTimeout time.Duration

	ExportInterval time.Duration // push exporters' period; default 60s
	ExportTimeout  time.Duration // one export's deadline; default 30s

	// CardinalityLimit caps the series of one instrument per collection;
	// default 2000. Excess series fold into one with otel.metric.overflow=true.
	CardinalityLimit int
	// NoRuntimeMetrics turns off the Go runtime instrumentation.
	NoRuntimeMetrics bool

	OTLP       OTLPConfig
	CloudWatch CloudWatchConfig
	EMF        EMFConfig
	// Health names the cloudwatch and emf exporters' own health
	// instruments; the zero value records none.
	Health HealthConfig
	// Console receives the console exporter's output; default os.Stdout.
	Console io.Writer
	// Readers are added beside the exporters' readers, e.g. a ManualReader
	// that a test collects from.
	Readers []sdkmetric.Reader
	// Traces configures the TracerProvider, which shares the resource;
	// tracing is off by default.
	Traces TracesConfig
}

// OTLPConfig configures the OTLP exporter. Empty fields leave the exporter's
// own defaults (and its own reading of OTEL_EXPORTER_OTLP_*) in place.
type OTLPConfig struct {
	Protocol string // "grpc" or "http/protobuf" (default)
	Endpoint string // full URL, e.g. http://collector:4318
	Headers  map[string]string
}

// CloudWatchConfig configures the PutMetricData and EMF exporters' mapping.
type CloudWatchConfig struct {
	Namespace string // default "CrawlerService"
	Region    string // AWS_REGION; the SDK's default chain when empty
	Endpoint  string // AWS_ENDPOINT_URL_CLOUDWATCH: a CloudWatch-compatible endpoint
	// Rules map instruments to CloudWatch metrics; unmapped instruments are
	// not sent to CloudWatch.
	Rules []cwmetric.Rule
	// ResourceDimensions make resource attributes available as dimensions,
	// e.g. service.instance.id → WorkerId; a rule publishes one only in the
	// dimension sets that name it (each value multiplies those sets' bill).
	ResourceDimensions []cwmetric.Dimension
	StorageResolution  int // 60 (default) or 1
	// Client, when set, is used instead of a client built from the AWS
	// configuration (tests point it at a fake).
	Client CloudWatchAPI
}

// EMFConfig configures the Embedded Metric Format exporter.
type EMFConfig struct {
	Writer io.Writer // default os.Stdout
	// Properties carry resource attributes as plain EMF properties (never
	// dimensions), e.g. service.instance.id → WorkerId.
	Properties map[string]string
}

// ParseExporters parses OTEL_METRICS_EXPORTER's comma list: names are
// trimmed and case-insensitive, duplicates are ignored, and an empty list
// means prometheus. An unknown name, or none mixed with others, is an error
// that names the valid ones.
func ParseExporters(list string) ([]string, error) {
	return normalizeExporters(strings.Split(list, ","))
}

// normalizeExporters applies ParseExporters' rules to a list that may come
// from code rather than the environment, so Setup holds Config.Exporters to
// the same contract.
func normalizeExporters(names []string) ([]string, error) {
	return normalizeNames(names, nameRules{
		valid: ExporterNames, dflt: ExporterPrometheus, off: "metrics export",
		unknown: ErrUnknownExporter, combined: ErrNoneCombined,
	})
}

// nameRules are one comma list's rules: its valid names, the one an empty
// list means, and the errors for an unknown name and for none among others.
type nameRules struct {
	valid             []string
	dflt              string // comma-separated
	off               string // what "none" alone turns off
	unknown, combined error
}

// normalizeNames trims and lower-cases names, drops empty ones and
// duplicates, and holds the result to r.
func normalizeNames(names []string, r nameRules) ([]string, error) {
	var out []string
	for _, name := range names {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if !slices.Contains(r.valid, name) {
			return nil, fmt.Errorf("%w %q: valid are %s", r.unknown, name, strings.Join(r.valid, ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return strings.Split(r.dflt, ","), nil
	}
	if len(out) > 1 && slices.Contains(out, ExporterNone) {
		return nil, fmt.Errorf("%w (%s): list none alone to turn %s off", r.combined, strings.Join(out, ","), r.off)
	}
	return out, nil
}
