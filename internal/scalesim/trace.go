package scalesim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ReadTrace reads a load trace: CSV rows of timestamp and jobs, the jobs
// arriving evenly until the next row's timestamp. A timestamp is RFC 3339
// or seconds from the trace's start; a first row that does not parse as
// data is a header. Times are made relative to the first row.
func ReadTrace(r io.Reader) ([]TracePoint, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 2
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var (
		pts   []TracePoint
		first time.Time
	)
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("scalesim: read trace: %w", err)
		}
		at, abs, err1 := parseStamp(rec[0])
		jobs, err2 := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err1 != nil || err2 != nil {
			if len(pts) == 0 && line == 1 {
				continue // header
			}
			return nil, fmt.Errorf("scalesim: read trace: row %d %q: %w", line, rec, ErrInvalid)
		}
		if !abs.IsZero() {
			if first.IsZero() {
				first = abs
			}
			at = abs.Sub(first)
		}
		pts = append(pts, TracePoint{At: at, Jobs: jobs})
	}
	if len(pts) > 0 {
		start := pts[0].At
		for i := range pts {
			pts[i].At -= start
		}
	}
	return pts, nil
}

func parseStamp(s string) (time.Duration, time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return 0, t, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, time.Time{}, err
	}
	return time.Duration(f * float64(time.Second)), time.Time{}, nil
}
