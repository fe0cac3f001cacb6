package main

import (
	"bytes"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	gootel "go.opentelemetry.io/otel"

	"github.com/crawler-service/crawler/internal/metrics"
)

// TestCloudWatchRulesWorkerID: WorkerId is a set of its own on the worker
// metrics only, beside their defaults; the publisher's gauges and the
// exporter health never get it.
func TestCloudWatchRulesWorkerID(t *testing.T) {
	t.Parallel()
	for _, workerID := range []bool{false, true} {
		for _, r := range cloudWatchRules(metrics.Table, workerID) {
			i := slices.IndexFunc(metrics.Table, func(d metrics.Definition) bool { return d.Name == r.Instrument })
			d := metrics.Table[i]
			perWorker := slices.ContainsFunc(r.DimensionSets, func(s []string) bool { return slices.Equal(s, []string{metrics.WorkerIDDimension}) })
			if perWorker != (workerID && d.PerWorker) {
				t.Errorf("WorkerId=%v: %s sets %v", workerID, r.Name, r.DimensionSets)
			}
			for _, s := range r.DimensionSets {
				if len(s) > 1 && slices.Contains(s, metrics.WorkerIDDimension) {
					t.Errorf("%s: WorkerId added to the set %v", r.Name, s)
				}
			}
		}
	}
}

// TestOTelErrorsAreJSON: the SDK's errors (a failed export, say) reach the
// service's JSON logger, not Go's default log package.
func TestOTelErrorsAreJSON(t *testing.T) {
	// Not parallel: the SDK's error handler is process-wide.
	old := gootel.GetErrorHandler()
	t.Cleanup(func() { gootel.SetErrorHandler(old) })
	var buf bytes.Buffer
	routeOTelErrors(slog.New(slog.NewJSONHandler(&buf, nil)))
	gootel.Handle(errors.New("cloudwatch: export: not delivered, kept for retry: boom"))
	if got := buf.String(); !strings.HasPrefix(got, "{") || !strings.Contains(got, "kept for retry") {
		t.Errorf("logged %q, want a JSON line with the error", got)
	}
}
