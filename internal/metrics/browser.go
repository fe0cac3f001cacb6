package metrics

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Browser holds the browser fetcher's health instruments.
type Browser struct {
	launches metric.Int64Counter
	crashes  metric.Int64Counter
	open     metric.Int64UpDownCounter
	blocked  metric.Int64Counter

	lossOpts map[string]metric.AddOption
}

// NewBrowser creates the browser's instruments from the table; a nil mp
// records into nothing. Its counters start at zero for every loss reason.
func NewBrowser(mp metric.MeterProvider) (*Browser, error) {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	m := mp.Meter(Scope)
	b := &Browser{lossOpts: map[string]metric.AddOption{}}
	var errs [4]error
	b.launches, errs[0] = int64Counter(m, BrowserLaunches)
	b.crashes, errs[1] = int64Counter(m, BrowserCrashes)
	b.open, errs[2] = int64UpDownCounter(m, BrowserPagesOpen)
	b.blocked, errs[3] = int64Counter(m, BrowserRequestsBlocked)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("metrics: browser instruments: %w", err)
	}
	for _, r := range reason.Values {
		b.lossOpts[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrBrowserLoss, r)))
	}
	startAtZero(b.launches, BrowserLaunches)
	startAtZero(b.crashes, BrowserCrashes)
	startAtZero(b.blocked, BrowserRequestsBlocked)
	return b, nil
}

// Launched counts one browser launch.
func (b *Browser) Launched(ctx context.Context) { b.launches.Add(ctx, 1) }

// Lost counts one browser lost; a reason that is not LossRenderer counts as
// LossDisconnected, so the series stay bounded.
func (b *Browser) Lost(ctx context.Context, reason string) {
	opt, ok := b.lossOpts[reason]
	if !ok {
		opt = b.lossOpts[LossDisconnected]
	}
	b.crashes.Add(ctx, 1, opt)
}

// PageOpened and PageClosed track the pages open now.
func (b *Browser) PageOpened(ctx context.Context) { b.open.Add(ctx, 1) }

// PageClosed: see PageOpened.
func (b *Browser) PageClosed(ctx context.Context) { b.open.Add(ctx, -1) }

// RequestBlocked counts one page request the target policy refused.
func (b *Browser) RequestBlocked(ctx context.Context) { b.blocked.Add(ctx, 1) }
