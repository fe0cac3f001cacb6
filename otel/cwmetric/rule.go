package cwmetric

import (
	"errors"
	"fmt"
)

// Limits CloudWatch documents for a metric datum and an EMF dimension set.
const (
	MaxDimensions        = 30
	MaxNameLen           = 255
	MaxDimensionValueLen = 1024
)

// Dimension binds an OpenTelemetry attribute key to a CloudWatch dimension name.
type Dimension struct {
	Attribute string // e.g. "crawler.job.status"
	Name      string // e.g. "Status"
}

// Rule maps one OpenTelemetry instrument to one CloudWatch metric.
type Rule struct {
	// Instrument is the OpenTelemetry instrument name.
	Instrument string
	// Name is the CloudWatch metric name.
	Name string
	// Dimensions are the attributes that may become dimensions. Attributes of
	// a data point not listed here never reach CloudWatch.
	Dimensions []Dimension
	// DimensionSets lists the dimension sets (by CloudWatch dimension name)
	// each data point is published under. Every set is one billed custom
	// metric per distinct combination of values. An empty set, or a nil
	// DimensionSets, publishes the metric without dimensions. A set may name
	// the mapper's resource dimensions (WithResourceDimensions) as well as
	// the rule's Dimensions.
	DimensionSets [][]string
}

// Mapper applies a set of rules. Build it once with NewMapper; it is safe for
// concurrent use.
type Mapper struct {
	rules    map[string]*compiledRule
	resource []Dimension // resource attributes that dimension sets may name
}

type compiledRule struct {
	name string
	dims []Dimension // union of the dimensions named by the sets, in rule order
	// fromResource[i] says dims[i] takes its value from the resource, not
	// from the data point's attributes.
	fromResource []bool
	sets         [][]int // indexes into dims
}

// Option configures a Mapper.
type Option interface{ apply(*Mapper) }

type optionFunc func(*Mapper)

func (f optionFunc) apply(m *Mapper) { f(m) }

// WithResourceDimensions makes resource attributes available as dimensions
// that rules' dimension sets may name, for example service.instance.id as
// WorkerId. A resource dimension is published only in the sets that name
// it: adding it to every set of every rule would take away the sets
// without it (the dimensionless metric an alarm or a scaling policy reads),
// and each distinct value multiplies the billed custom metrics of the sets
// that carry it.
func WithResourceDimensions(dims ...Dimension) Option {
	return optionFunc(func(m *Mapper) { m.resource = append(m.resource, dims...) })
}

// NewMapper validates rules and compiles them.
func NewMapper(rules []Rule, opts ...Option) (*Mapper, error) {
	m := &Mapper{rules: make(map[string]*compiledRule, len(rules))}
	for _, o := range opts {
		o.apply(m)
	}
	var errs []error
	for _, d := range m.resource {
		if err := validName("resource dimension", d.Name); err != nil {
			errs = append(errs, err)
		}
		if d.Attribute == "" {
			errs = append(errs, fmt.Errorf("resource dimension %q: empty attribute", d.Name))
		}
	}
	for _, r := range rules {
		c, err := m.compile(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %q: %w", r.Instrument, err))
			continue
		}
		if _, dup := m.rules[r.Instrument]; dup {
			errs = append(errs, fmt.Errorf("rule %q: instrument mapped twice", r.Instrument))
			continue
		}
		m.rules[r.Instrument] = c
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("cwmetric: %w", err)
	}
	return m, nil
}

func (m *Mapper) compile(r Rule) (*compiledRule, error) {
	if r.Instrument == "" {
		return nil, errors.New("empty instrument name")
	}
	if err := validName("metric name", r.Name); err != nil {
		return nil, err
	}
	byName := make(map[string]Dimension, len(r.Dimensions))
	resource := make(map[string]bool, len(m.resource))
	for _, d := range m.resource {
		byName[d.Name] = d
		resource[d.Name] = true
	}
	for _, d := range r.Dimensions {
		if err := validName("dimension name", d.Name); err != nil {
			return nil, err
		}
		if d.Attribute == "" {
			return nil, fmt.Errorf("dimension %q: empty attribute", d.Name)
		}
		if resource[d.Name] {
			return nil, fmt.Errorf("dimension %q: also a resource dimension", d.Name)
		}
		byName[d.Name] = d
	}
	c := &compiledRule{name: r.Name}
	index := map[string]int{}
	sets := r.DimensionSets
	if len(sets) == 0 {
		sets = [][]string{{}}
	}
	for _, set := range sets {
		if len(set) > MaxDimensions {
			return nil, fmt.Errorf("dimension set %v: more than %d dimensions", set, MaxDimensions)
		}
		var idx []int
		seen := map[string]bool{}
		for _, name := range set {
			d, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("dimension set %v: %q is not among the rule's dimensions", set, name)
			}
			if seen[name] {
				return nil, fmt.Errorf("dimension set %v: %q twice", set, name)
			}
			seen[name] = true
			i, ok := index[name]
			if !ok {
				i = len(c.dims)
				index[name] = i
				c.dims = append(c.dims, d)
				c.fromResource = append(c.fromResource, resource[name])
			}
			idx = append(idx, i)
		}
		c.sets = append(c.sets, idx)
	}
	return c, nil
}

func validName(what, s string) error {
	if s == "" || len(s) > MaxNameLen {
		return fmt.Errorf("%s %q: must be 1 to %d characters", what, s, MaxNameLen)
	}
	return validText(what, s)
}

// validText refuses control and non-ASCII characters, which CloudWatch
// rejects in names and dimension values.
func validText(what, s string) error {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return fmt.Errorf("%s %q: only printable ASCII is allowed", what, s)
		}
	}
	return nil
}
