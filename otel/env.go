package otel

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// ConfigFromEnv reads the standard OpenTelemetry variables and the
// CloudWatch ones through getenv. Rules and writers are the caller's to add.
// Every error names the variable, the value (except for headers, which may
// hold credentials) and what is valid.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var err error
	if c.Exporters, err = exportersFromEnv(getenv); err != nil {
		return c, err
	}
	c.ServiceName = getenv("OTEL_SERVICE_NAME")
	if v := getenv("OTEL_RESOURCE_ATTRIBUTES"); v != "" {
		if c.Attributes, err = parseResourceAttributes(v); err != nil {
			return c, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES=%q: %w", v, err)
		}
	}
	for _, kv := range c.Attributes {
		// OTEL_SERVICE_NAME wins over service.name in the attributes (spec).
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
	if c.Detectors, err = detectorsFromEnv(getenv); err != nil {
		return c, err
	}
	if c.OTLP, err = otlpFromEnv(getenv, "METRICS"); err != nil {
		return c, err
	}
	if c.Traces, err = tracesFromEnv(getenv); err != nil {
		return c, err
	}
	if c.CloudWatch, err = cloudWatchFromEnv(getenv); err != nil {
		return c, err
	}
	return c, nil
}

func exportersFromEnv(getenv func(string) string) ([]string, error) {
	list := getenv("OTEL_METRICS_EXPORTER")
	exporters, err := ParseExporters(list)
	if err != nil {
		return nil, fmt.Errorf("OTEL_METRICS_EXPORTER=%q: %w", list, err)
	}
	v := getenv("CLOUDWATCH_METRICS_ENABLED")
	if v == "" {
		return exporters, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("CLOUDWATCH_METRICS_ENABLED=%q: want true or false", v)
	}
	if !on || slices.Contains(exporters, ExporterCloudWatch) {
		return exporters, nil
	}
	// The switch predates OTEL_METRICS_EXPORTER and says something more
	// specific than a blanket none (often a base image's default): asking
	// for CloudWatch by name gets CloudWatch.
	if slices.Equal(exporters, []string{ExporterNone}) {
		exporters = nil
	}
	return append(exporters, ExporterCloudWatch), nil
}

// detectorsFromEnv runs a detector only where it fits: the ECS one when the
// ECS agent announced its metadata endpoint, none otherwise, because the EC2
// detector waits on IMDS and off AWS that is start-up time lost.
// OTEL_RESOURCE_DETECTORS overrides the choice.
func detectorsFromEnv(getenv func(string) string) ([]string, error) {
	v := getenv("OTEL_RESOURCE_DETECTORS")
	if v == "" {
		if getenv("ECS_CONTAINER_METADATA_URI_V4") != "" {
			return []string{"ecs"}, nil
		}
		return nil, nil
	}
	var out []string
	for _, d := range strings.Split(v, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "" || slices.Contains(out, d):
		case d == "ecs" || d == "ec2":
			out = append(out, d)
		default:
			return nil, fmt.Errorf("OTEL_RESOURCE_DETECTORS=%q: %w %q: valid are ecs, ec2", v, ErrUnknownDetector, d)
		}
	}
	return out, nil
}

// otlpFromEnv applies the specification's endpoint rules for one signal
// (METRICS or TRACES): the signal-specific endpoint is used as is; the base
// one gets /v1/metrics or /v1/traces appended for OTLP/HTTP and is used as
// is for gRPC.
func otlpFromEnv(getenv func(string) string, signal string) (OTLPConfig, error) {
	var o OTLPConfig
	specific := func(what string) string { return "OTEL_EXPORTER_OTLP_" + signal + "_" + what }
	name, v := firstSet(getenv, specific("PROTOCOL"), "OTEL_EXPORTER_OTLP_PROTOCOL")
	if v != "" && v != "grpc" && v != "http/protobuf" {
		return o, fmt.Errorf("%s=%q: valid are grpc, http/protobuf", name, v)
	}
	o.Protocol = v
	name, v = firstSet(getenv, specific("ENDPOINT"), "OTEL_EXPORTER_OTLP_ENDPOINT")
	if v != "" {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return o, fmt.Errorf("%s=%q: want an http or https URL such as http://collector:4318", name, v)
		}
		o.Endpoint = v
		if name == "OTEL_EXPORTER_OTLP_ENDPOINT" && o.Protocol != "grpc" {
			o.Endpoint = strings.TrimSuffix(v, "/") + "/v1/" + strings.ToLower(signal)
		}
	}
	name, v = firstSet(getenv, specific("HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS")
	if v != "" {
		kvs, err := parseKeyValues(v)
		if err != nil {
			// Not the value: headers usually carry an API key.
			return o, fmt.Errorf("%s: want key=value pairs separated by commas, values percent-encoded (value not shown)", name)
		}
		o.Headers = make(map[string]string, len(kvs))
		for _, kv := range kvs {
			o.Headers[kv[0]] = kv[1]
		}
	}
	return o, nil
}

func cloudWatchFromEnv(getenv func(string) string) (CloudWatchConfig, error) {
	var c CloudWatchConfig
	if ns := getenv("CLOUDWATCH_NAMESPACE"); ns != "" {
		if !validNamespace(ns) {
			return c, fmt.Errorf(`CLOUDWATCH_NAMESPACE=%q: want 1 to 255 printable ASCII characters, not starting with "AWS/"`, ns)
		}
		c.Namespace = ns
	}
	c.Region = getenv("AWS_REGION")
	_, c.Endpoint = firstSet(getenv, "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL")
	if v := getenv("CLOUDWATCH_STORAGE_RESOLUTION"); v != "" {
		if v != "1" && v != "60" {
			return c, fmt.Errorf("CLOUDWATCH_STORAGE_RESOLUTION=%q: valid are 1 and 60", v)
		}
		c.StorageResolution, _ = strconv.Atoi(v)
	}
	return c, nil
}

// validNamespace checks CloudWatch's namespace rule here, so a bad value is
// reported against the variable that holds it rather than by the exporter.
func validNamespace(ns string) bool {
	if len(ns) > 255 || strings.HasPrefix(ns, "AWS/") {
		return false
	}
	for _, r := range ns {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

func millis(getenv func(string) string, name string) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
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

// firstSet returns the first of the named variables that is set, and its
// name, so an error can blame the variable that actually held the value.
func firstSet(getenv func(string) string, names ...string) (name, value string) {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return n, v
		}
	}
	return "", ""
}
