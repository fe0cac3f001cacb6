package emf

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// Service limits of one EMF log event.
const (
	maxMetricsPerDoc = 100
	maxValuesPerDoc  = 100
	// CloudWatch Logs takes events of up to 1 MiB including 26 bytes of
	// overhead; staying at a round million leaves room for the newline and
	// any agent envelope.
	maxLineBytes = 1_000_000
	// CloudWatch rejects metric data older than two weeks or more than two
	// hours ahead; writing them would only cost ingestion.
	maxAge    = 14 * 24 * time.Hour
	maxFuture = 2 * time.Hour
)

type config struct {
	writer        io.Writer
	namespace     string
	mapper        *cwmetric.Mapper
	resolution    int
	resourceProps []cwmetric.Dimension
	attrProps     []cwmetric.Dimension
	queueLines    int // > 0: writes go through a non-blocking queue of this many lines
}

// Option configures the exporter.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithWriter sets where documents go, one Write call per line. The default
// is os.Stdout. Writes are serialized by the exporter. A writer with a
// Flush() error method (such as *bufio.Writer) is flushed by ForceFlush and
// Shutdown.
func WithWriter(w io.Writer) Option {
	return optionFunc(func(c *config) { c.writer = w })
}

// WithNonBlockingWrites puts a queue of up to lines lines between Export
// and the writer, written out by a goroutine of the exporter's own, so a
// writer that blocks (stdout under a log driver in blocking mode that cannot
// deliver) never holds Export, ForceFlush or Shutdown past their context.
// A line that finds the queue full is dropped and counted under
// ReasonWriterBlocked. Datums counts the datums of the lines queued. The
// writer's Flush method, if any, is not called: give it an unbuffered one.
func WithNonBlockingWrites(lines int) Option {
	return optionFunc(func(c *config) { c.queueLines = lines })
}

// WithNamespace sets the CloudWatch namespace. It is required: a library
// cannot guess the service it runs in.
func WithNamespace(ns string) Option {
	return optionFunc(func(c *config) { c.namespace = ns })
}

// WithMapper sets which instruments are published, under which CloudWatch
// names and dimension sets. It is required; instruments without a rule are
// not written.
func WithMapper(m *cwmetric.Mapper) Option {
	return optionFunc(func(c *config) { c.mapper = m })
}

// WithStorageResolution sets the StorageResolution of every metric: 60
// (standard, the default) or 1 (high resolution, billed higher).
func WithStorageResolution(seconds int) Option {
	return optionFunc(func(c *config) { c.resolution = seconds })
}

// WithProperties writes resource attributes as plain properties of every
// document, under the given names, for example service.instance.id as
// WorkerId or aws.ecs.task.arn as TaskArn. Properties cost nothing in
// CloudWatch Metrics; Logs Insights can still filter and group by them. A
// property whose name is also a dimension or metric name of a document is
// left out of that document (and counted in Stats).
func WithProperties(props ...cwmetric.Dimension) Option {
	return optionFunc(func(c *config) { c.resourceProps = append(c.resourceProps, props...) })
}

// WithAttributeProperties writes data point attributes as plain properties.
// Points whose property values differ go to different documents, so keep
// these attributes bounded like dimensions. Attributes the mapper already
// uses as dimensions need not be listed.
func WithAttributeProperties(props ...cwmetric.Dimension) Option {
	return optionFunc(func(c *config) { c.attrProps = append(c.attrProps, props...) })
}

func newConfig(opts []Option) (config, error) {
	c := config{writer: os.Stdout, resolution: 60}
	for _, o := range opts {
		o.apply(&c)
	}
	if c.mapper == nil {
		return c, ErrNoMapper
	}
	if c.writer == nil {
		c.writer = os.Stdout
	}
	if !printable(c.namespace) || len(c.namespace) > cwmetric.MaxNameLen {
		return c, fmt.Errorf("%w: %q", ErrNamespace, c.namespace)
	}
	if c.resolution != 1 && c.resolution != 60 {
		return c, fmt.Errorf("%w: %d", ErrStorageResolution, c.resolution)
	}
	seen := map[string]bool{}
	for _, p := range append(append([]cwmetric.Dimension(nil), c.resourceProps...), c.attrProps...) {
		switch {
		case p.Attribute == "":
			return c, fmt.Errorf("%w %q: empty attribute", ErrProperty, p.Name)
		case !printable(p.Name) || p.Name == awsKey:
			return c, fmt.Errorf("%w %q: name must be printable ASCII and not %q", ErrProperty, p.Name, awsKey)
		case seen[p.Name]:
			return c, fmt.Errorf("%w %q: named twice", ErrProperty, p.Name)
		}
		seen[p.Name] = true
	}
	return c, nil
}

func printable(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e })
}
