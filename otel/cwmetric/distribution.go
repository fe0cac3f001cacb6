package cwmetric

import (
	"cmp"
	"math"
	"slices"
)

// Distribution is a set of raw values with counts, the only form from which
// CloudWatch computes percentiles. Values are ascending and distinct. Count,
// Sum, Min and Max are exact: they are the recorded statistics, and the
// values are placed so that CloudWatch derives the same ones.
type Distribution struct {
	Values []float64
	Counts []float64
	Count  uint64
	Sum    float64
	Min    float64
	Max    float64
}

// FromHistogram turns one explicit-bucket histogram data point into a
// Distribution. Bucket i holds values in (bounds[i-1], bounds[i]].
//
// Each non-empty bucket contributes one value, so a percentile CloudWatch
// computes lies in the same bucket as the true one. The exact minimum and
// maximum are sent as values of their own (count 1), and the other values
// are moved inside their buckets until the weighted sum equals the recorded
// sum: CloudWatch then shows exact SampleCount, Sum, Minimum and Maximum.
// ok is false when the point is empty or holds a non-finite number.
func FromHistogram(bounds []float64, bucketCounts []uint64, count uint64, sum, minV, maxV float64, hasMinMax bool) (d Distribution, ok bool) {
	if count == 0 || !finite(sum) || len(bucketCounts) != len(bounds)+1 {
		return Distribution{}, false
	}
	if !hasMinMax {
		// Without recorded extremes the open-ended buckets are bounded by the
		// nearest finite bounds.
		minV, maxV = approxExtremes(bounds, bucketCounts, sum, count)
	}
	if !finite(minV) || !finite(maxV) {
		return Distribution{}, false
	}
	d = Distribution{Count: count, Sum: sum, Min: minV, Max: maxV}
	if count == 1 || minV == maxV {
		d.Values = []float64{minV}
		d.Counts = []float64{float64(count)}
		return d, true
	}

	type entry struct {
		v, lo, hi float64
		c         float64
		fixed     bool // the exact min or max: never moved
	}
	var es []entry
	first, last := -1, -1
	for i, c := range bucketCounts {
		if c == 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
	}
	for i := first; i <= last; i++ {
		c := float64(bucketCounts[i])
		if c == 0 {
			continue
		}
		lo, hi := minV, maxV
		if i > 0 {
			lo = math.Max(lo, bounds[i-1])
		}
		if i < len(bounds) {
			hi = math.Min(hi, bounds[i])
		}
		if lo > hi { // extremes inconsistent with buckets: trust the extremes
			lo, hi = hi, lo
		}
		if i == first {
			es = append(es, entry{v: minV, lo: minV, hi: minV, c: 1, fixed: true})
			c--
		}
		if i == last && c > 0 {
			es = append(es, entry{v: maxV, lo: maxV, hi: maxV, c: 1, fixed: true})
			c--
		}
		if c > 0 {
			es = append(es, entry{v: (lo + hi) / 2, lo: lo, hi: hi, c: c})
		}
	}

	// Move the free values toward the recorded sum, each by the same share of
	// its room, so every value stays within its own bucket.
	var cur float64
	for _, e := range es {
		cur += e.v * e.c
	}
	if delta := sum - cur; delta != 0 {
		var room float64
		for _, e := range es {
			if e.fixed {
				continue
			}
			if delta > 0 {
				room += (e.hi - e.v) * e.c
			} else {
				room += (e.v - e.lo) * e.c
			}
		}
		if room > 0 {
			f := math.Min(1, math.Abs(delta)/room)
			for i := range es {
				if es[i].fixed {
					continue
				}
				if delta > 0 {
					es[i].v += f * (es[i].hi - es[i].v)
				} else {
					es[i].v -= f * (es[i].v - es[i].lo)
				}
			}
		}
	}

	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.v, b.v) })
	for _, e := range es {
		if n := len(d.Values); n > 0 && d.Values[n-1] == e.v {
			d.Counts[n-1] += e.c
			continue
		}
		d.Values = append(d.Values, e.v)
		d.Counts = append(d.Counts, e.c)
	}
	return d, true
}

func approxExtremes(bounds []float64, counts []uint64, sum float64, count uint64) (float64, float64) {
	if len(bounds) == 0 {
		m := sum / float64(count)
		return m, m
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, c := range counts {
		if c == 0 {
			continue
		}
		l, h := bounds[0], bounds[len(bounds)-1]
		if i > 0 {
			l = bounds[i-1]
		}
		if i < len(bounds) {
			h = bounds[i]
		}
		lo, hi = math.Min(lo, l), math.Max(hi, h)
	}
	return lo, hi
}

// Split cuts d into parts of at most n values each (CloudWatch takes 150 per
// datum, EMF 100 per array). Each part carries its own exact statistics, so
// the parts add up to d.
func (d Distribution) Split(n int) []Distribution {
	if n <= 0 || len(d.Values) <= n {
		return []Distribution{d}
	}
	var parts []Distribution
	for start := 0; start < len(d.Values); start += n {
		end := min(start+n, len(d.Values))
		p := Distribution{
			Values: d.Values[start:end],
			Counts: d.Counts[start:end],
			Min:    d.Values[start],
			Max:    d.Values[end-1],
		}
		for i := range p.Values {
			p.Count += uint64(p.Counts[i])
			p.Sum += p.Values[i] * p.Counts[i]
		}
		parts = append(parts, p)
	}
	// The last part absorbs rounding so the parts' sums add up to d.Sum.
	var rest float64
	for _, p := range parts[:len(parts)-1] {
		rest += p.Sum
	}
	parts[len(parts)-1].Sum = d.Sum - rest
	return parts
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
