package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/browser"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/publisher"
	"github.com/crawler-service/crawler/otel"
	"github.com/crawler-service/crawler/otel/cloudwatch"
	"github.com/crawler-service/crawler/otel/cwmetric"
	"github.com/crawler-service/crawler/otel/emf"
)

// healthScope is the instrumentation scope of the exporters' own health.
const healthScope = "github.com/crawler-service/crawler/otel"

// process sets up one process's metrics the way cmd/crawler does (the emf
// exporter, so exporter health is recorded; the runtime instrumentation),
// plus a ManualReader to see what it records.
func process(t *testing.T, name string) (*otel.Provider, *sdkmetric.ManualReader) {
	t.Helper()
	r := sdkmetric.NewManualReader()
	var rules []cwmetric.Rule
	for _, d := range metrics.Table {
		if d.CloudWatchName == "" {
			continue
		}
		rule := cwmetric.Rule{Instrument: d.Name, Name: d.CloudWatchName, DimensionSets: d.CloudWatchSets(false)}
		for _, a := range d.Attributes {
			rule.Dimensions = append(rule.Dimensions, cwmetric.Dimension{Attribute: a.Key, Name: a.CloudWatch})
		}
		rules = append(rules, rule)
	}
	in := func(d metrics.Definition) otel.Instrument {
		return otel.Instrument{Name: d.Name, Unit: d.Unit, Description: d.Description}
	}
	p, err := otel.Setup(t.Context(), otel.Config{
		Exporters: []string{"emf"}, ServiceName: "crawler", ServiceInstanceID: name,
		ExportInterval: time.Hour,
		CloudWatch:     otel.CloudWatchConfig{Rules: rules},
		EMF:            otel.EMFConfig{Writer: io.Discard},
		Health: otel.HealthConfig{
			DatumsSent: in(metrics.ExporterDatumsSent), Requests: in(metrics.ExporterRequests),
			PointsDropped: in(metrics.ExporterPointsDropped), Buffered: in(metrics.ExporterBuffered),
			ExporterKey: metrics.AttrExporter, OutcomeKey: metrics.AttrOutcome, ReasonKey: metrics.AttrDropReason,
		},
		Readers: []sdkmetric.Reader{r},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p, r
}

type queueCounts struct{}

func (queueCounts) Counts(context.Context) (crawler.QueueCounts, error) {
	return crawler.QueueCounts{Waiting: 3, Workers: 1}, nil
}

// TestEveryRecordedInstrumentIsInTheTable runs what each process kind
// records (api: a request; worker: jobs, a heartbeat and the browser
// fetcher; scheduler: nothing of its own; metric-publisher: a read) and
// fails on any instrument that is neither a table row nor from a listed
// instrumentation library, or a row recorded with another kind or unit.
func TestEveryRecordedInstrumentIsInTheTable(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	exercise := map[string]func(*testing.T, *otel.Provider){
		"api": func(t *testing.T, p *otel.Provider) {
			h := api.New(api.Config{Open: true}, api.Deps{MeterProvider: p.MeterProvider(), Logger: discardLogger()})
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
		},
		"worker": func(t *testing.T, p *otel.Provider) {
			w, err := metrics.NewWorker(p.MeterProvider())
			if err != nil {
				t.Fatal(err)
			}
			w.JobDone(ctx, 0.5, crawler.MethodHTTP, "", true)
			w.JobDone(ctx, 2, crawler.MethodBrowser, crawler.ErrTimeout, false)
			w.Heartbeat(ctx)
			b, err := browser.New(browser.Config{MeterProvider: p.MeterProvider()})
			if err != nil {
				t.Fatal(err)
			}
			_ = b.Close()
		},
		"scheduler": func(*testing.T, *otel.Provider) {},
		"metric-publisher": func(t *testing.T, p *otel.Provider) {
			pub, err := publisher.New(publisher.Config{Interval: time.Millisecond}, queueCounts{}, p.MeterProvider(), discardLogger())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = pub.Close() }) // after the collection: Close unregisters the gauges
			rctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			_ = pub.Run(rctx)
		},
	}
	table := map[string]metrics.Definition{}
	for _, d := range metrics.Table {
		table[d.Name] = d
	}
	recorded := map[string]bool{}
	for name, run := range exercise {
		p, r := process(t, name)
		run(t, p)
		var rm metricdata.ResourceMetrics
		if err := r.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				scope := sm.Scope.Name
				switch {
				case scope == metrics.Scope || scope == healthScope:
					d, ok := table[m.Name]
					if !ok {
						t.Errorf("%s records %s (scope %s), which is not in the metrics table", name, m.Name, scope)
						continue
					}
					recorded[m.Name] = true
					if m.Unit != d.Unit || m.Description != d.Description {
						t.Errorf("%s records %s with unit %q and description %q; the table says %q and %q",
							name, m.Name, m.Unit, m.Description, d.Unit, d.Description)
					}
				case slices.ContainsFunc(metrics.Instrumentations, func(i metrics.Instrumentation) bool { return i.Scope == scope }):
				default:
					t.Errorf("%s records %s under scope %q, neither the crawler's nor a listed instrumentation", name, m.Name, scope)
				}
			}
		}
	}
	// The other way round: every row is recorded by some process, except
	// those that need what this test does not run.
	notRun := map[string]string{
		metrics.BrowserPagesOpen.Name: "needs a page open in Chromium",
		metrics.ExporterBuffered.Name: "the cloudwatch exporter's only",
	}
	for _, d := range metrics.Table {
		if _, skip := notRun[d.Name]; !recorded[d.Name] && !skip {
			t.Errorf("no process recorded %s", d.Name)
		}
	}
}

// TestDropReasonsInTable: the table lists every reason the exporters report
// a drop under, so the counter's series all start at zero and none is
// unknown to the docs.
func TestDropReasonsInTable(t *testing.T) {
	t.Parallel()
	var values []string
	for _, a := range metrics.ExporterPointsDropped.Attributes {
		if a.Key == metrics.AttrDropReason {
			values = a.Values
		}
	}
	var reasons []string
	for r := range (cloudwatch.Drops{}).ByReason() {
		reasons = append(reasons, r)
	}
	for _, r := range emf.Reasons() {
		if r != emf.ReasonUnmapped { // not published: not a loss
			reasons = append(reasons, r)
		}
	}
	for _, r := range reasons {
		if !slices.Contains(values, r) {
			t.Errorf("exporters drop for %q, which the table's reason values %v lack", r, values)
		}
	}
	for _, a := range metrics.ExporterDatumsSent.Attributes {
		if a.Key == metrics.AttrExporter && !slices.Equal(a.Values, []string{otel.ExporterCloudWatch, otel.ExporterEMF}) {
			t.Errorf("exporter values %v, want otel's push exporters", a.Values)
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
