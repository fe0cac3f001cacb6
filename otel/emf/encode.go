package emf

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

const awsKey = "_aws"

// encoded is a batch of lines in one buffer, each ending in a newline.
type encoded struct {
	buf      []byte
	lines    []line
	tooLarge int // datums dropped: a single metric did not fit in a line
}

type line struct {
	start, end int
	datums     int
}

func (e *encoded) bytes(l line) []byte { return e.buf[l.start:l.end] }

// encodeDocuments writes each document as one line. A line over lim.bytes is
// encoded again as two documents with half the metrics each; a lone metric
// that still does not fit is dropped and counted.
func encodeDocuments(docs []document, namespace string, resolution int, lim limits) encoded {
	var out encoded
	for i := range docs {
		out.add(&docs[i], namespace, resolution, lim)
	}
	return out
}

// reset empties e for reuse, keeping its buffer.
func (e *encoded) reset() {
	e.buf, e.lines, e.tooLarge = e.buf[:0], e.lines[:0], 0
}

func (e *encoded) add(d *document, namespace string, resolution int, lim limits) {
	start := len(e.buf)
	e.buf = appendDocument(e.buf, d, namespace, resolution)
	if len(e.buf)-start <= lim.bytes {
		n := 0
		for _, m := range d.metrics {
			n += m.datums()
		}
		e.buf = append(e.buf, '\n')
		e.lines = append(e.lines, line{start: start, end: len(e.buf), datums: n})
		return
	}
	e.buf = e.buf[:start]
	if len(d.metrics) == 1 {
		e.tooLarge += d.metrics[0].datums()
		return
	}
	half := len(d.metrics) / 2
	a, b := *d, *d
	a.metrics, b.metrics = d.metrics[:half], d.metrics[half:]
	e.add(&a, namespace, resolution, lim)
	e.add(&b, namespace, resolution, lim)
}

// appendDocument encodes d by hand: member order is fixed (so golden files
// are stable) and no reflection runs per datum.
func appendDocument(b []byte, d *document, namespace string, resolution int) []byte {
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, d.timestamp, 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":`...)
	b = appendString(b, namespace)
	b = append(b, `,"Dimensions":[`...)
	for i, set := range d.sets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, k := range set {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, d.dims[k].Name)
		}
		b = append(b, ']')
	}
	b = append(b, `],"Metrics":[`...)
	for i, m := range d.metrics {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Name":`...)
		b = appendString(b, m.name)
		if m.unit != "" {
			b = append(b, `,"Unit":`...)
			b = appendString(b, m.unit)
		}
		b = append(b, `,"StorageResolution":`...)
		b = strconv.AppendInt(b, int64(resolution), 10)
		b = append(b, '}')
	}
	b = append(b, `]}]}`...)
	b = appendMembers(b, d.dims)
	b = appendMembers(b, d.props)
	for _, m := range d.metrics {
		b = append(b, ',')
		b = appendString(b, m.name)
		b = append(b, ':')
		b = appendMetricValue(b, m)
	}
	return append(b, '}')
}

func appendMembers(b []byte, kvs []cwmetric.KV) []byte {
	for _, kv := range kvs {
		b = append(b, ',')
		b = appendString(b, kv.Name)
		b = append(b, ':')
		b = appendString(b, kv.Value)
	}
	return b
}

// appendMetricValue writes a number, an array of numbers, or the
// distribution object CloudWatch accepts for histograms.
func appendMetricValue(b []byte, m member) []byte {
	if d := m.dist; d != nil {
		b = append(b, `{"Values":`...)
		b = appendFloats(b, d.Values)
		b = append(b, `,"Counts":`...)
		b = appendFloats(b, d.Counts)
		b = append(b, `,"Max":`...)
		b = appendFloat(b, d.Max)
		b = append(b, `,"Min":`...)
		b = appendFloat(b, d.Min)
		b = append(b, `,"Count":`...)
		b = strconv.AppendUint(b, d.Count, 10)
		b = append(b, `,"Sum":`...)
		b = appendFloat(b, d.Sum)
		return append(b, '}')
	}
	if len(m.values) == 1 {
		return appendFloat(b, m.values[0])
	}
	return appendFloats(b, m.values)
}

func appendFloats(b []byte, fs []float64) []byte {
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, f)
	}
	return append(b, ']')
}

// appendFloat formats like encoding/json. Translation already dropped
// non-finite values; should one slip through, 0 keeps the line valid JSON
// rather than losing the whole document.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hex = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
