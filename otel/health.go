package otel

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/otel/cloudwatch"
	"github.com/crawler-service/crawler/otel/emf"
)

// Instrument names and describes one instrument the package records itself.
type Instrument struct {
	Name, Unit, Description string
}

// HealthConfig names the push exporters' (cloudwatch, emf) own health
// instruments, which the program's metrics table owns: the package records
// what it is told to, so that a dashboard or an alarm can see metrics being
// lost. An instrument without a Name is not recorded; the zero value
// records none. Every series a source can report is observed from the first
// collection, at zero until something happens.
type HealthConfig struct {
	DatumsSent    Instrument // observable counter: datums delivered
	Requests      Instrument // observable counter: PutMetricData calls or EMF writes, by outcome
	PointsDropped Instrument // observable counter: what will never arrive, by reason
	Buffered      Instrument // observable gauge: datums waiting for the next export (cloudwatch)

	// The attribute keys: the exporter's name (ExporterCloudWatch,
	// ExporterEMF), a request's outcome ("success", "failed") and a drop's
	// reason (the exporters' own reason names).
	ExporterKey, OutcomeKey, ReasonKey string
}

func (h HealthConfig) empty() bool {
	return h.DatumsSent.Name == "" && h.Requests.Name == "" && h.PointsDropped.Name == "" && h.Buffered.Name == ""
}

// healthSnapshot is what one exporter reports about itself.
type healthSnapshot struct {
	datumsSent, requests, requestsFailed uint64
	buffered                             int64
	hasBuffer                            bool
	dropped                              map[string]uint64
}

type healthSource interface {
	name() string
	snapshot() healthSnapshot
}

type cloudWatchHealth struct{ exp cloudwatch.Exporter }

func (cloudWatchHealth) name() string { return ExporterCloudWatch }
func (h cloudWatchHealth) snapshot() healthSnapshot {
	s := h.exp.Stats()
	return healthSnapshot{
		datumsSent: s.DatumsSent, requests: s.Requests, requestsFailed: s.RequestsFailed,
		buffered: int64(s.Buffered), hasBuffer: true, dropped: s.Dropped.ByReason(),
	}
}

type emfHealth struct{ exp emf.Exporter }

func (emfHealth) name() string { return ExporterEMF }
func (h emfHealth) snapshot() healthSnapshot {
	s := h.exp.Stats()
	dropped := make(map[string]uint64, len(s.Dropped))
	for k, v := range s.Dropped {
		if k != emf.ReasonUnmapped { // not published by choice: not a loss
			dropped[k] = v
		}
	}
	return healthSnapshot{datumsSent: s.Datums, requests: s.Requests, requestsFailed: s.RequestsFailed, dropped: dropped}
}

// healthInstruments are the instruments HealthConfig names; nil where it
// names none.
type healthInstruments struct {
	sent, reqs, dropped metric.Int64ObservableCounter
	buffered            metric.Int64ObservableGauge
}

func registerHealth(mp metric.MeterProvider, cfg HealthConfig, sources []healthSource) (metric.Registration, error) {
	if len(sources) == 0 || cfg.empty() {
		return nil, nil
	}
	m := mp.Meter("github.com/crawler-service/crawler/otel")
	var in healthInstruments
	var errs []error
	counter := func(i Instrument) metric.Int64ObservableCounter {
		if i.Name == "" {
			return nil
		}
		c, err := m.Int64ObservableCounter(i.Name, metric.WithUnit(i.Unit), metric.WithDescription(i.Description))
		errs = append(errs, err)
		return c
	}
	in.sent, in.reqs, in.dropped = counter(cfg.DatumsSent), counter(cfg.Requests), counter(cfg.PointsDropped)
	var observed []metric.Observable
	for _, c := range []metric.Int64ObservableCounter{in.sent, in.reqs, in.dropped} {
		if c != nil {
			observed = append(observed, c)
		}
	}
	if i := cfg.Buffered; i.Name != "" {
		g, err := m.Int64ObservableGauge(i.Name, metric.WithUnit(i.Unit), metric.WithDescription(i.Description))
		errs = append(errs, err)
		in.buffered = g
		observed = append(observed, g)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("otel: health instruments: %w", err)
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, src := range sources {
			in.observe(o, cfg, src.name(), src.snapshot())
		}
		return nil
	}, observed...)
	if err != nil {
		return nil, fmt.Errorf("otel: health callback: %w", err)
	}
	return reg, nil
}

func (in healthInstruments) observe(o metric.Observer, cfg HealthConfig, name string, s healthSnapshot) {
	exp := attribute.String(cfg.ExporterKey, name)
	if in.sent != nil {
		o.ObserveInt64(in.sent, int64(s.datumsSent), metric.WithAttributes(exp))
	}
	if in.reqs != nil {
		o.ObserveInt64(in.reqs, int64(s.requests-s.requestsFailed), metric.WithAttributes(exp, attribute.String(cfg.OutcomeKey, "success")))
		o.ObserveInt64(in.reqs, int64(s.requestsFailed), metric.WithAttributes(exp, attribute.String(cfg.OutcomeKey, "failed")))
	}
	if in.dropped != nil {
		for reason, n := range s.dropped {
			o.ObserveInt64(in.dropped, int64(n), metric.WithAttributes(exp, attribute.String(cfg.ReasonKey, reason)))
		}
	}
	if in.buffered != nil && s.hasBuffer {
		o.ObserveInt64(in.buffered, s.buffered, metric.WithAttributes(exp))
	}
}
