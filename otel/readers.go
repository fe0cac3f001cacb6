package otel

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	promexp "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/crawler-service/crawler/otel/cloudwatch"
	"github.com/crawler-service/crawler/otel/cwmetric"
	"github.com/crawler-service/crawler/otel/emf"
)

// CloudWatchAPI is the PutMetricData client the CloudWatch exporter needs.
type CloudWatchAPI = cloudwatch.API

// readerBuilder makes one reader per exporter name and remembers what Setup
// needs afterwards (the Prometheus handler, the exporters' health).
type readerBuilder struct {
	cfg         Config
	res         *resource.Resource
	promHandler http.Handler
	health      []healthSource
}

func (b *readerBuilder) periodic(exp sdkmetric.Exporter) sdkmetric.Reader {
	interval, timeout := b.cfg.ExportInterval, b.cfg.ExportTimeout
	if interval <= 0 {
		interval = 60 * time.Second
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(interval), sdkmetric.WithTimeout(timeout))
}

func (b *readerBuilder) reader(ctx context.Context, name string) (sdkmetric.Reader, error) {
	switch name {
	case ExporterNone:
		return nil, nil
	case ExporterPrometheus:
		return newPrometheus(b)
	case ExporterConsole:
		w := b.cfg.Console
		if w == nil {
			w = os.Stdout
		}
		exp, err := stdoutmetric.New(stdoutmetric.WithWriter(w), stdoutmetric.WithPrettyPrint(),
			stdoutmetric.WithAggregationSelector(aggregation))
		if err != nil {
			return nil, err
		}
		return b.periodic(exp), nil
	case ExporterOTLP:
		exp, err := b.otlp(ctx)
		if err != nil {
			return nil, err
		}
		return b.periodic(exp), nil
	case ExporterCloudWatch:
		return b.cloudWatch(ctx)
	case ExporterEMF:
		return b.emf()
	}
	return nil, fmt.Errorf("unknown exporter %q", name)
}

func promexporter(reg *prometheus.Registry) (sdkmetric.Reader, error) {
	return promexp.New(
		promexp.WithRegisterer(reg),
		promexp.WithoutScopeInfo(),
		// Explicit: the exporter's default follows a process-wide name
		// validation setting and may turn to UTF-8 names with dots.
		promexp.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
		promexp.WithAggregationSelector(aggregation),
	)
}

func (b *readerBuilder) otlp(ctx context.Context) (sdkmetric.Exporter, error) {
	o := b.cfg.OTLP
	if o.Protocol == "grpc" {
		opts := []otlpmetricgrpc.Option{otlpmetricgrpc.WithAggregationSelector(aggregation)}
		if o.Endpoint != "" {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(o.Endpoint))
		}
		if len(o.Headers) > 0 {
			opts = append(opts, otlpmetricgrpc.WithHeaders(o.Headers))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	}
	opts := []otlpmetrichttp.Option{otlpmetrichttp.WithAggregationSelector(aggregation)}
	if o.Endpoint != "" {
		if _, err := url.Parse(o.Endpoint); err != nil {
			return nil, err
		}
		opts = append(opts, otlpmetrichttp.WithEndpointURL(o.Endpoint))
	}
	if len(o.Headers) > 0 {
		opts = append(opts, otlpmetrichttp.WithHeaders(o.Headers))
	}
	return otlpmetrichttp.New(ctx, opts...)
}

func (b *readerBuilder) mapper() (*cwmetric.Mapper, error) {
	if len(b.cfg.CloudWatch.Rules) == 0 {
		return nil, ErrNoRules
	}
	return cwmetric.NewMapper(b.cfg.CloudWatch.Rules, cwmetric.WithResourceDimensions(b.cfg.CloudWatch.ResourceDimensions...))
}

func (b *readerBuilder) namespace() string {
	if ns := b.cfg.CloudWatch.Namespace; ns != "" {
		return ns
	}
	return "CrawlerService"
}

func (b *readerBuilder) resolution() int {
	if r := b.cfg.CloudWatch.StorageResolution; r != 0 {
		return r
	}
	return 60
}

func (b *readerBuilder) cloudWatch(ctx context.Context) (sdkmetric.Reader, error) {
	m, err := b.mapper()
	if err != nil {
		return nil, err
	}
	client := b.cfg.CloudWatch.Client
	if client == nil {
		// The SDK's default chain: credentials, region and
		// AWS_ENDPOINT_URL_CLOUDWATCH from the environment; explicit values win.
		var opts []func(*awsconfig.LoadOptions) error
		if r := b.cfg.CloudWatch.Region; r != "" {
			opts = append(opts, awsconfig.WithRegion(r))
		}
		ac, err := awsconfig.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("aws config: %w", err)
		}
		client = cw.NewFromConfig(ac, func(o *cw.Options) {
			if ep := b.cfg.CloudWatch.Endpoint; ep != "" {
				o.BaseEndpoint = aws.String(ep)
			}
		})
	}
	exp, err := cloudwatch.New(
		cloudwatch.WithClient(client),
		cloudwatch.WithNamespace(b.namespace()),
		cloudwatch.WithMapper(m),
		cloudwatch.WithStorageResolution(b.resolution()),
	)
	if err != nil {
		return nil, err
	}
	b.health = append(b.health, cloudWatchHealth{exp})
	return b.periodic(secondsHistograms{exp}), nil
}

// emfQueueLines bounds the EMF lines waiting for stdout: some minutes of a
// busy process's exports.
const emfQueueLines = 1000

func (b *readerBuilder) emf() (sdkmetric.Reader, error) {
	m, err := b.mapper()
	if err != nil {
		return nil, err
	}
	// Lines go through a queue: stdout under awslogs in blocking mode can
	// block, and a stuck write would hold the reader's final flush past the
	// shutdown deadline. A full queue drops lines, counted as writer_blocked.
	opts := []emf.Option{emf.WithNamespace(b.namespace()), emf.WithMapper(m), emf.WithStorageResolution(b.resolution()),
		emf.WithNonBlockingWrites(emfQueueLines)}
	if w := b.cfg.EMF.Writer; w != nil {
		opts = append(opts, emf.WithWriter(w))
	}
	// Sorted: map order would make the property order of lines vary.
	for _, attr := range slices.Sorted(maps.Keys(b.cfg.EMF.Properties)) {
		opts = append(opts, emf.WithProperties(cwmetric.Dimension{Attribute: attr, Name: b.cfg.EMF.Properties[attr]}))
	}
	exp, err := emf.New(opts...)
	if err != nil {
		return nil, err
	}
	b.health = append(b.health, emfHealth{exp})
	return b.periodic(secondsHistograms{exp}), nil
}

// secondsHistograms gives a CloudWatch-bound exporter the same histogram
// boundaries as the other readers. With the SDK's defaults, meant for
// milliseconds, every job under 5 s would share one bucket and CloudWatch's
// percentiles of a duration would be meaningless.
type secondsHistograms struct{ sdkmetric.Exporter }

func (secondsHistograms) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return aggregation(k)
}
