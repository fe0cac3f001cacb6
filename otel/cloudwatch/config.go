package cloudwatch

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// Defaults of the options that have one.
const (
	DefaultStorageResolution = 60
	DefaultMaxConcurrency    = 4
	DefaultMaxBufferedDatums = 20000
)

// What CloudWatch accepts.
const (
	maxNamespaceLen           = 255
	reservedNamespacePrefix   = "AWS/"
	standardStorageResolution = 60
	highStorageResolution     = 1
)

type config struct {
	client        API
	awsConfig     *aws.Config
	namespace     string
	mapper        *cwmetric.Mapper
	resolution    int
	concurrency   int
	maxBuffered   int
	now           func() time.Time
	clientOptions []func(*cw.Options)
}

// Option configures the exporter.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithClient sets the CloudWatch client. Its retryer decides how throttling
// and 5xx answers are retried within one export (the SDK's standard retryer
// makes 3 attempts with jittered exponential backoff and stops when the
// export's context ends). Either WithClient or WithAWSConfig is required;
// WithClient wins when both are given.
func WithClient(c API) Option {
	return optionFunc(func(cfg *config) { cfg.client = c })
}

// WithAWSConfig builds the client with cloudwatch.NewFromConfig(cfg), so
// region, credentials, retryer and AWS_ENDPOINT_URL_CLOUDWATCH (loaded into
// cfg by config.LoadDefaultConfig) apply as usual.
func WithAWSConfig(cfg aws.Config, optFns ...func(*cw.Options)) Option {
	return optionFunc(func(c *config) {
		c.awsConfig = &cfg
		c.clientOptions = optFns
	})
}

// WithNamespace sets the CloudWatch namespace of every datum. Required: 1 to
// 255 printable ASCII characters, not starting with "AWS/".
func WithNamespace(ns string) Option {
	return optionFunc(func(c *config) { c.namespace = ns })
}

// WithMapper sets the rules that turn instruments into CloudWatch metrics.
// Required. Instruments without a rule are not published.
func WithMapper(m *cwmetric.Mapper) Option {
	return optionFunc(func(c *config) { c.mapper = m })
}

// WithStorageResolution sets the storage resolution of every datum: 60
// (standard, the default) or 1 (high resolution, billed higher). Other
// values make New fail.
func WithStorageResolution(seconds int) Option {
	return optionFunc(func(c *config) { c.resolution = seconds })
}

// WithMaxConcurrency bounds how many PutMetricData requests one export has
// in flight at once. The default is 4.
func WithMaxConcurrency(n int) Option {
	return optionFunc(func(c *config) { c.concurrency = n })
}

// WithMaxBufferedDatums bounds how many datums are kept for the next export
// while CloudWatch cannot be reached; beyond it the oldest are dropped and
// counted as Drops.BufferFull. The default is 20,000: about 3 MB of scalar
// datums, at most about 60 MB if all were 150-value histogram datums.
func WithMaxBufferedDatums(n int) Option {
	return optionFunc(func(c *config) { c.maxBuffered = n })
}

// withClock sets the clock datum ages are checked against; tests use it.
func withClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.now = now })
}

func newConfig(opts []Option) (config, error) {
	c := config{
		resolution:  DefaultStorageResolution,
		concurrency: DefaultMaxConcurrency,
		maxBuffered: DefaultMaxBufferedDatums,
		now:         time.Now,
	}
	for _, o := range opts {
		o.apply(&c)
	}
	var errs []error
	if c.client == nil && c.awsConfig != nil {
		c.client = cw.NewFromConfig(*c.awsConfig, c.clientOptions...)
	}
	if c.client == nil {
		errs = append(errs, ErrNoClient)
	}
	if c.mapper == nil {
		errs = append(errs, ErrNoMapper)
	}
	if err := validNamespace(c.namespace); err != nil {
		errs = append(errs, err)
	}
	if c.resolution != standardStorageResolution && c.resolution != highStorageResolution {
		errs = append(errs, fmt.Errorf("%w: got %d", ErrStorageResolution, c.resolution))
	}
	if c.concurrency < 1 {
		errs = append(errs, fmt.Errorf("max concurrency %d: %w", c.concurrency, ErrLimit))
	}
	if c.maxBuffered < 1 {
		errs = append(errs, fmt.Errorf("max buffered datums %d: %w", c.maxBuffered, ErrLimit))
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, errors.Join(errs...)
}

func validNamespace(ns string) error {
	switch {
	case ns == "":
		return fmt.Errorf("%w: empty: use WithNamespace", ErrNamespace)
	case len(ns) > maxNamespaceLen:
		return fmt.Errorf("%w: %q is longer than %d characters", ErrNamespace, ns, maxNamespaceLen)
	case strings.HasPrefix(ns, reservedNamespacePrefix):
		return fmt.Errorf("%w: %q: the %s prefix is reserved for AWS", ErrNamespace, ns, reservedNamespacePrefix)
	}
	for _, r := range ns {
		if r < 0x20 || r > 0x7e {
			return fmt.Errorf("%w: %q: only printable ASCII is allowed", ErrNamespace, ns)
		}
	}
	return nil
}
