package otel

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

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
	// Exporters to run at once; empty means prometheus. "none" alone turns
	// metrics export off.
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
	// Console receives the console exporter's output; default os.Stdout.
	Console io.Writer
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
	// ResourceDimensions add resource attributes as dimensions to every
	// metric (opt-in, multiplies the bill), e.g. service.instance.id → WorkerId.
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

// ParseExporters parses OTEL_METRICS_EXPORTER's comma list. Duplicates are
// ignored; an unknown name, or none mixed with others, is an error that names
// the valid ones.
func ParseExporters(list string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if !slices.Contains(ExporterNames, name) {
			return nil, fmt.Errorf("unknown metrics exporter %q: valid are %s", name, strings.Join(ExporterNames, ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return []string{ExporterPrometheus}, nil
	}
	if len(out) > 1 && slices.Contains(out, ExporterNone) {
		return nil, fmt.Errorf("metrics exporter %q cannot be combined with others (%s)", ExporterNone, strings.Join(out, ","))
	}
	return out, nil
}

// ConfigFromEnv reads the standard OpenTelemetry variables and the
// CloudWatch ones through getenv. Rules and writers are the caller's to add.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var err error
	if c.Exporters, err = ParseExporters(getenv("OTEL_METRICS_EXPORTER")); err != nil {
		return c, fmt.Errorf("OTEL_METRICS_EXPORTER=%q: %w", getenv("OTEL_METRICS_EXPORTER"), err)
	}
	if v := getenv("CLOUDWATCH_METRICS_ENABLED"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("CLOUDWATCH_METRICS_ENABLED=%q: want true or false", v)
		}
		if on && !slices.Contains(c.Exporters, ExporterCloudWatch) {
			if slices.Equal(c.Exporters, []string{ExporterNone}) {
				c.Exporters = nil
			}
			c.Exporters = append(c.Exporters, ExporterCloudWatch)
		}
	}
	c.ServiceName = getenv("OTEL_SERVICE_NAME")
	if c.Attributes, err = parseResourceAttributes(getenv("OTEL_RESOURCE_ATTRIBUTES")); err != nil {
		return c, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	for _, kv := range c.Attributes {
		if kv.Key == "service.name" && c.ServiceName == "" {
			c.ServiceName = kv.Value.AsString()
		}
	}
	if c.ExportInterval, err = millis(getenv, "OTEL_METRIC_EXPORT_INTERVAL"); err != nil {
		return c, err
	}
	if c.ExportTimeout, err = millis(getenv, "OTEL_METRIC_EXPORT_TIMEOUT"); err != nil {
		return c, err
	}
	if v := getenv("OTEL_RESOURCE_DETECTORS"); v != "" {
		for _, d := range strings.Split(v, ",") {
			d = strings.TrimSpace(d)
			if d != "ecs" && d != "ec2" {
				return c, fmt.Errorf("OTEL_RESOURCE_DETECTORS=%q: valid detectors are ecs, ec2", v)
			}
			c.Detectors = append(c.Detectors, d)
		}
	} else if getenv("ECS_CONTAINER_METADATA_URI_V4") != "" {
		c.Detectors = []string{"ecs"}
	}

	c.OTLP.Protocol = first(getenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"), getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	if c.OTLP.Protocol != "" && c.OTLP.Protocol != "grpc" && c.OTLP.Protocol != "http/protobuf" {
		return c, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: valid are grpc, http/protobuf", c.OTLP.Protocol)
	}
	if ep := getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"); ep != "" {
		c.OTLP.Endpoint = ep
	} else if ep := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); ep != "" {
		c.OTLP.Endpoint = ep
		if c.OTLP.Protocol != "grpc" {
			c.OTLP.Endpoint = strings.TrimSuffix(ep, "/") + "/v1/metrics"
		}
	}
	if c.OTLP.Endpoint != "" {
		if u, err := url.Parse(c.OTLP.Endpoint); err != nil || u.Host == "" {
			return c, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT=%q: want a URL such as http://collector:4318", c.OTLP.Endpoint)
		}
	}
	if h := first(getenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS"), getenv("OTEL_EXPORTER_OTLP_HEADERS")); h != "" {
		kvs, err := parseKeyValues(h)
		if err != nil {
			return c, fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS: %w", err)
		}
		c.OTLP.Headers = map[string]string{}
		for _, kv := range kvs {
			c.OTLP.Headers[kv[0]] = kv[1]
		}
	}

	c.CloudWatch.Namespace = getenv("CLOUDWATCH_NAMESPACE")
	c.CloudWatch.Region = getenv("AWS_REGION")
	c.CloudWatch.Endpoint = first(getenv("AWS_ENDPOINT_URL_CLOUDWATCH"), getenv("AWS_ENDPOINT_URL"))
	if v := getenv("CLOUDWATCH_STORAGE_RESOLUTION"); v != "" {
		if v != "1" && v != "60" {
			return c, fmt.Errorf("CLOUDWATCH_STORAGE_RESOLUTION=%q: valid are 1 and 60", v)
		}
		c.CloudWatch.StorageResolution, _ = strconv.Atoi(v)
	}
	return c, nil
}

func millis(getenv func(string) string, name string) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number of milliseconds", name, v)
	}
	return time.Duration(n) * time.Millisecond, nil
}

func parseResourceAttributes(s string) ([]attribute.KeyValue, error) {
	kvs, err := parseKeyValues(s)
	if err != nil {
		return nil, err
	}
	out := make([]attribute.KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = attribute.String(kv[0], kv[1])
	}
	return out, nil
}

// parseKeyValues parses the W3C-baggage-like "k1=v1,k2=v2" lists of the
// OpenTelemetry variables, values percent-decoded.
func parseKeyValues(s string) ([][2]string, error) {
	var out [][2]string
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want key=value", part)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		out = append(out, [2]string{k, dv})
	}
	return out, nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
