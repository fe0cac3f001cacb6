package browser

import (
	"github.com/crawler-service/crawler/internal/metrics"
)

// How a browser was lost: the values of the crash counter's reason, which
// the metrics table owns.
const (
	// ReasonRenderer: a page's renderer crashed.
	ReasonRenderer = metrics.LossRenderer
	// ReasonDisconnected: the browser process went away.
	ReasonDisconnected = metrics.LossDisconnected
)
