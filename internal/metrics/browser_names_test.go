package metrics

import (
	"testing"

	"github.com/crawler-service/crawler/internal/browser"
)

// TestBrowserNamesInTable: the browser package records its health under the
// names this table documents.
func TestBrowserNamesInTable(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{
		{browser.MetricLaunches, BrowserLaunches.Name},
		{browser.MetricCrashes, BrowserCrashes.Name},
		{browser.MetricPagesOpen, BrowserPagesOpen.Name},
		{browser.MetricRequestsBlocked, BrowserRequestsBlocked.Name},
		{browser.AttrReason, AttrBrowserLoss},
	} {
		if pair[0] != pair[1] {
			t.Errorf("browser records %q, the table says %q", pair[0], pair[1])
		}
	}
}
