package browser

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// The browser's health instruments, named in internal/metrics' table.
const (
	// MetricLaunches counts browsers launched (first launch and relaunches).
	MetricLaunches = "crawler.browser.launches"
	// MetricCrashes counts browsers lost, by AttrReason.
	MetricCrashes = "crawler.browser.crashes"
	// MetricPagesOpen is the number of pages open now.
	MetricPagesOpen = "crawler.browser.pages.open"
	// MetricRequestsBlocked counts requests of pages that the policy
	// refused, in route interception or in the proxy.
	MetricRequestsBlocked = "crawler.browser.requests.blocked"

	// AttrReason says how a browser was lost: ReasonRenderer or
	// ReasonDisconnected. A bounded set.
	AttrReason = "reason"
	// ReasonRenderer: a page's renderer crashed.
	ReasonRenderer = "renderer"
	// ReasonDisconnected: the browser process went away.
	ReasonDisconnected = "disconnected"
)

// Scope is the instrumentation scope, the one internal/metrics uses.
const scope = "github.com/crawler-service/crawler"

type instruments struct {
	launches metric.Int64Counter
	crashes  metric.Int64Counter
	open     metric.Int64UpDownCounter
	blocked  metric.Int64Counter

	rendererOpt, disconnectedOpt metric.AddOption
}

func newInstruments(mp metric.MeterProvider) (*instruments, error) {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	m := mp.Meter(scope)
	in := &instruments{
		rendererOpt:     metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrReason, ReasonRenderer))),
		disconnectedOpt: metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrReason, ReasonDisconnected))),
	}
	var errs [4]error
	in.launches, errs[0] = m.Int64Counter(MetricLaunches, metric.WithUnit("{launch}"),
		metric.WithDescription("Browsers launched, the first and every relaunch."))
	in.crashes, errs[1] = m.Int64Counter(MetricCrashes, metric.WithUnit("{crash}"),
		metric.WithDescription("Browsers lost to a renderer crash or a disconnect."))
	in.open, errs[2] = m.Int64UpDownCounter(MetricPagesOpen, metric.WithUnit("{page}"),
		metric.WithDescription("Browser pages open now."))
	in.blocked, errs[3] = m.Int64Counter(MetricRequestsBlocked, metric.WithUnit("{request}"),
		metric.WithDescription("Page requests refused by the target policy."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("browser: instruments: %w", err)
	}
	return in, nil
}

func (in *instruments) crash(reason string) {
	opt := in.disconnectedOpt
	if reason == ReasonRenderer {
		opt = in.rendererOpt
	}
	in.crashes.Add(context.Background(), 1, opt)
}
