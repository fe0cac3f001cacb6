package otel

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/otel/cloudwatch"
	"github.com/crawler-service/crawler/otel/emf"
)

// The push exporters' own health, published through the same pipeline so a
// dashboard or an alarm can see metrics being lost.
const (
	HealthDatumsSent   = "metrics_exporter.datums.sent"
	HealthRequests     = "metrics_exporter.requests"
	HealthPointsDrop   = "metrics_exporter.points.dropped"
	HealthBuffered     = "metrics_exporter.buffered"
	attrExporter       = "exporter"
	attrOutcome        = "outcome"
	attrReason         = "reason"
	healthInstrumentsN = 4
)

// healthSnapshot is what one exporter reports about itself.
type healthSnapshot struct {
	datumsSent, requests, requestsFailed uint64
	buffered                             int64
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
		buffered: int64(s.Buffered), dropped: s.Dropped.ByReason(),
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

func registerHealth(mp metric.MeterProvider, sources []healthSource) (metric.Registration, error) {
	if len(sources) == 0 {
		return nil, nil
	}
	m := mp.Meter("github.com/crawler-service/crawler/otel")
	sent, err1 := m.Int64ObservableCounter(HealthDatumsSent, metric.WithUnit("{datum}"),
		metric.WithDescription("Datums the exporter delivered (CloudWatch accepted, or EMF lines written)."))
	reqs, err2 := m.Int64ObservableCounter(HealthRequests, metric.WithUnit("{request}"),
		metric.WithDescription("PutMetricData calls or EMF writes, by outcome (success, failed)."))
	dropped, err3 := m.Int64ObservableCounter(HealthPointsDrop, metric.WithUnit("{datum}"),
		metric.WithDescription("What will never reach CloudWatch, by reason (non_finite, buffer_full, rejected, too_old, ...)."))
	buffered, err4 := m.Int64ObservableGauge(HealthBuffered, metric.WithUnit("{datum}"),
		metric.WithDescription("Datums held for the next export while CloudWatch is unreachable."))
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return nil, fmt.Errorf("otel: health instruments: %w", err)
		}
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, src := range sources {
			s := src.snapshot()
			exp := attribute.String(attrExporter, src.name())
			o.ObserveInt64(sent, int64(s.datumsSent), metric.WithAttributes(exp))
			o.ObserveInt64(reqs, int64(s.requests-s.requestsFailed), metric.WithAttributes(exp, attribute.String(attrOutcome, "success")))
			o.ObserveInt64(reqs, int64(s.requestsFailed), metric.WithAttributes(exp, attribute.String(attrOutcome, "failed")))
			for reason, n := range s.dropped {
				o.ObserveInt64(dropped, int64(n), metric.WithAttributes(exp, attribute.String(attrReason, reason)))
			}
			if src.name() == ExporterCloudWatch {
				o.ObserveInt64(buffered, s.buffered, metric.WithAttributes(exp))
			}
		}
		return nil
	}, sent, reqs, dropped, buffered)
	if err != nil {
		return nil, fmt.Errorf("otel: health callback: %w", err)
	}
	return reg, nil
}
