package emf

import "sync/atomic"

// Reasons a datum was not written, the keys of Stats.Dropped.
const (
	ReasonUnmapped         = "unmapped"          // no rule for the instrument (data points)
	ReasonNonFinite        = "non_finite"        // NaN, ±Inf or beyond CloudWatch's range
	ReasonMissingDimension = "missing_dimension" // dimension sets skipped: an attribute was missing or invalid
	ReasonUnsupported      = "unsupported"       // aggregations EMF cannot carry (summaries)
	ReasonTooOld           = "too_old"           // older than CloudWatch accepts (14 days)
	ReasonTooNew           = "too_new"           // more than 2 hours ahead
	ReasonNameCollision    = "name_collision"    // a metric named like a dimension of its document
	ReasonTooLarge         = "too_large"         // a single metric would not fit in a 1 MB line
	ReasonWriteFailed      = "write_failed"      // the writer failed
	ReasonCanceled         = "canceled"          // the export's context ended before the line was written
	ReasonWriterBlocked    = "writer_blocked"    // the non-blocking queue was full: the writer is not keeping up
)

var reasons = [...]string{
	ReasonUnmapped, ReasonNonFinite, ReasonMissingDimension, ReasonUnsupported, ReasonTooOld,
	ReasonTooNew, ReasonNameCollision, ReasonTooLarge, ReasonWriteFailed, ReasonCanceled, ReasonWriterBlocked,
}

// Reasons returns every reason Stats.Dropped reports.
func Reasons() []string { return append([]string(nil), reasons[:]...) }

type reason int

const (
	dropUnmapped reason = iota
	dropNonFinite
	dropMissingDimension
	dropUnsupported
	dropTooOld
	dropTooNew
	dropNameCollision
	dropTooLarge
	dropWriteFailed
	dropCanceled
	dropWriterBlocked
)

// Stats is the exporter's own health since it was created. A datum is one
// metric value as written: a plain value, or one distribution (or part of a
// distribution split to respect the 100-values limit).
type Stats struct {
	Datums            uint64            // datums written
	Documents         uint64            // lines written
	Requests          uint64            // Write calls, retries included
	RequestsFailed    uint64            // Write calls that returned an error
	Bytes             uint64            // bytes the writer accepted
	PropertiesSkipped uint64            // properties left out because a dimension or metric had their name
	Dropped           map[string]uint64 // datums not written, by Reason*; every reason is present
}

type counters struct {
	datums, documents, requests, requestsFailed, bytes, propertiesSkipped atomic.Uint64
	dropped                                                               [len(reasons)]atomic.Uint64
}

func (c *counters) drop(r reason, n int) {
	if n > 0 {
		c.dropped[r].Add(uint64(n))
	}
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Datums:            c.datums.Load(),
		Documents:         c.documents.Load(),
		Requests:          c.requests.Load(),
		RequestsFailed:    c.requestsFailed.Load(),
		Bytes:             c.bytes.Load(),
		PropertiesSkipped: c.propertiesSkipped.Load(),
		Dropped:           make(map[string]uint64, len(reasons)),
	}
	for i, name := range reasons {
		s.Dropped[name] = c.dropped[i].Load()
	}
	return s
}
