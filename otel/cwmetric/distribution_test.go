package cwmetric

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// bucketize records values into explicit buckets the way the SDK does.
func bucketize(bounds, values []float64) (counts []uint64, sum, mn, mx float64) {
	counts = make([]uint64, len(bounds)+1)
	mn, mx = math.Inf(1), math.Inf(-1)
	for _, v := range values {
		i := sort.SearchFloat64s(bounds, v) // first bound >= v: bucket (b[i-1], b[i]]
		counts[i]++
		sum += v
		mn, mx = math.Min(mn, v), math.Max(mx, v)
	}
	return counts, sum, mn, mx
}

// percentile is CloudWatch's nearest-rank percentile over values with counts.
func percentile(values, counts []float64, p float64) float64 {
	var total float64
	for _, c := range counts {
		total += c
	}
	rank := math.Ceil(p / 100 * total)
	var seen float64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return values[i]
		}
	}
	return values[len(values)-1]
}

func bucketOf(bounds []float64, v float64) int { return sort.SearchFloat64s(bounds, v) }

func TestFromHistogramExactStatsAndPercentiles(t *testing.T) {
	t.Parallel()
	bounds := []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	cases := map[string]func(r *rand.Rand) float64{
		"lognormal": func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()*0.8 - 1) },
		"uniform":   func(r *rand.Rand) float64 { return r.Float64() * 20 },
		"tail":      func(r *rand.Rand) float64 { return 0.01 + r.ExpFloat64()*3 },
		"tiny":      func(r *rand.Rand) float64 { return 0.001 + r.Float64()*0.003 },
	}
	for name, gen := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, 2))
			values := make([]float64, 10000)
			for i := range values {
				values[i] = gen(r)
			}
			counts, sum, mn, mx := bucketize(bounds, values)
			d, ok := FromHistogram(bounds, counts, uint64(len(values)), sum, mn, mx, true)
			if !ok {
				t.Fatal("FromHistogram refused a valid point")
			}
			var gotCount, gotSum float64
			for i := range d.Values {
				gotCount += d.Counts[i]
				gotSum += d.Values[i] * d.Counts[i]
				if i > 0 && d.Values[i] <= d.Values[i-1] {
					t.Fatalf("values not ascending and distinct at %d: %v", i, d.Values)
				}
			}
			if gotCount != float64(len(values)) {
				t.Errorf("count from values = %v, want %d", gotCount, len(values))
			}
			if math.Abs(gotSum-sum) > 1e-9*math.Abs(sum) {
				t.Errorf("sum from values = %v, want %v", gotSum, sum)
			}
			if d.Values[0] != mn || d.Values[len(d.Values)-1] != mx {
				t.Errorf("extremes = %v..%v, want %v..%v", d.Values[0], d.Values[len(d.Values)-1], mn, mx)
			}
			sorted := append([]float64(nil), values...)
			sort.Float64s(sorted)
			for _, p := range []float64{50, 90, 95, 99, 99.9} {
				truth := sorted[int(math.Ceil(p/100*float64(len(sorted))))-1]
				got := percentile(d.Values, d.Counts, p)
				if diff := bucketOf(bounds, got) - bucketOf(bounds, truth); diff < -1 || diff > 1 {
					t.Errorf("p%v = %v (bucket %d), true %v (bucket %d): more than one bucket apart",
						p, got, bucketOf(bounds, got), truth, bucketOf(bounds, truth))
				}
			}
		})
	}
}

func TestFromHistogramEdgeCases(t *testing.T) {
	t.Parallel()
	bounds := []float64{1, 2, 3}
	tests := []struct {
		name                 string
		counts               []uint64
		count                uint64
		sum, mn, mx          float64
		hasMinMax, wantOK    bool
		wantValues, wantCnts []float64
	}{
		{"empty", []uint64{0, 0, 0, 0}, 0, 0, 0, 0, true, false, nil, nil},
		{"one", []uint64{0, 1, 0, 0}, 1, 1.5, 1.5, 1.5, true, true, []float64{1.5}, []float64{1}},
		{"all equal", []uint64{0, 0, 4, 0}, 4, 10, 2.5, 2.5, true, true, []float64{2.5}, []float64{4}},
		{"two", []uint64{1, 0, 0, 1}, 2, 10.5, 0.5, 10, true, true, []float64{0.5, 10}, []float64{1, 1}},
		{"nan sum", []uint64{1, 0, 0, 0}, 1, math.NaN(), 0.5, 0.5, true, false, nil, nil},
		{"inf max", []uint64{1, 0, 0, 1}, 2, 3, 0.5, math.Inf(1), true, false, nil, nil},
		{"bad shape", []uint64{1}, 1, 1, 1, 1, true, false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, ok := FromHistogram(bounds, tc.counts, tc.count, tc.sum, tc.mn, tc.mx, tc.hasMinMax)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if !equal(d.Values, tc.wantValues) || !equal(d.Counts, tc.wantCnts) {
				t.Errorf("got %v/%v, want %v/%v", d.Values, d.Counts, tc.wantValues, tc.wantCnts)
			}
		})
	}
}

func TestFromHistogramWithoutExtremesStaysInBuckets(t *testing.T) {
	t.Parallel()
	bounds := []float64{1, 2, 4}
	d, ok := FromHistogram(bounds, []uint64{2, 3, 0, 1}, 6, 1+1+4.5+8, 0, 0, false)
	if !ok {
		t.Fatal("refused")
	}
	if d.Values[0] < 1-1e-9 || d.Values[len(d.Values)-1] > 4+1e-9 {
		t.Errorf("values %v escape the finite bounds", d.Values)
	}
}

func TestSplitKeepsTotals(t *testing.T) {
	t.Parallel()
	d := Distribution{}
	for i := range 300 {
		d.Values = append(d.Values, float64(i))
		d.Counts = append(d.Counts, float64(i%3+1))
		d.Count += uint64(i%3 + 1)
		d.Sum += float64(i) * float64(i%3+1)
	}
	d.Min, d.Max = 0, 299
	parts := d.Split(100)
	if len(parts) != 3 {
		t.Fatalf("parts = %d, want 3", len(parts))
	}
	var count uint64
	var sum float64
	for _, p := range parts {
		if len(p.Values) > 100 || len(p.Values) != len(p.Counts) {
			t.Fatalf("part of %d values / %d counts", len(p.Values), len(p.Counts))
		}
		count += p.Count
		sum += p.Sum
	}
	if count != d.Count || sum != d.Sum {
		t.Errorf("parts add up to %d/%v, want %d/%v", count, sum, d.Count, d.Sum)
	}
	if parts[0].Min != 0 || parts[2].Max != 299 {
		t.Errorf("extremes %v..%v", parts[0].Min, parts[2].Max)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}
