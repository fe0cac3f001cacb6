package cloudwatch

import (
	"sync/atomic"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// Stats is the exporter's own health, counted since New.
type Stats struct {
	// Points counts data points translated into datums.
	Points uint64
	// Unmapped counts data points of instruments without a rule: not
	// published by choice, so not a drop.
	Unmapped uint64
	// DatumsSent counts datums CloudWatch accepted.
	DatumsSent uint64
	// Requests counts PutMetricData calls; the SDK's retries within a call
	// do not count again.
	Requests uint64
	// RequestsFailed counts calls that ended in an error.
	RequestsFailed uint64
	// BytesWritten is the estimated body size, before gzip, of accepted
	// requests.
	BytesWritten uint64
	// Buffered is the number of datums now waiting for the next export.
	Buffered int
	// Dropped counts what will never reach CloudWatch.
	Dropped Drops
}

// Drops counts what was dropped, by reason. The translation reasons
// (NonFinite, Unsupported) count data points and MissingDimension counts
// dimension sets; the others count datums.
type Drops struct {
	NonFinite        uint64 // NaN, ±Inf or beyond ±2^360
	MissingDimension uint64 // a point lacked an attribute its dimension set needs
	Unsupported      uint64 // an aggregation CloudWatch cannot take (summaries)
	Invalid          uint64 // failed validation before sending
	TooOld           uint64 // older than the 14 days CloudWatch accepts
	TooNew           uint64 // more than 2 hours ahead of the clock
	BufferFull       uint64 // oldest undelivered datums beyond WithMaxBufferedDatums
	Rejected         uint64 // in a request CloudWatch refused as invalid
}

// Total is the sum of all reasons.
func (d Drops) Total() uint64 {
	return d.NonFinite + d.MissingDimension + d.Unsupported + d.Invalid + d.TooOld + d.TooNew + d.BufferFull + d.Rejected
}

// ByReason returns the counts keyed by a snake_case reason, the attribute
// value a self-metric would use.
func (d Drops) ByReason() map[string]uint64 {
	return map[string]uint64{
		"non_finite":        d.NonFinite,
		"missing_dimension": d.MissingDimension,
		"unsupported":       d.Unsupported,
		"invalid":           d.Invalid,
		"too_old":           d.TooOld,
		"too_new":           d.TooNew,
		"buffer_full":       d.BufferFull,
		"rejected":          d.Rejected,
	}
}

// counters is the atomic form of Stats.
type counters struct {
	points, unmapped, datumsSent, requests, requestsFailed, bytesWritten atomic.Uint64
	nonFinite, missingDimension, unsupported, invalid                    atomic.Uint64
	tooOld, tooNew, bufferFull, rejected                                 atomic.Uint64
}

func (c *counters) addTranslation(st cwmetric.Stats, invalid int) {
	c.points.Add(uint64(st.Points))
	c.unmapped.Add(uint64(st.Unmapped))
	c.nonFinite.Add(uint64(st.NonFinite))
	c.missingDimension.Add(uint64(st.MissingDimension))
	c.unsupported.Add(uint64(st.Unsupported))
	c.invalid.Add(uint64(invalid))
}

func (c *counters) snapshot() Stats {
	return Stats{
		Points:         c.points.Load(),
		Unmapped:       c.unmapped.Load(),
		DatumsSent:     c.datumsSent.Load(),
		Requests:       c.requests.Load(),
		RequestsFailed: c.requestsFailed.Load(),
		BytesWritten:   c.bytesWritten.Load(),
		Dropped: Drops{
			NonFinite:        c.nonFinite.Load(),
			MissingDimension: c.missingDimension.Load(),
			Unsupported:      c.unsupported.Load(),
			Invalid:          c.invalid.Load(),
			TooOld:           c.tooOld.Load(),
			TooNew:           c.tooNew.Load(),
			BufferFull:       c.bufferFull.Load(),
			Rejected:         c.rejected.Load(),
		},
	}
}
