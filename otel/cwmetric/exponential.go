package cwmetric

import (
	"math"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// fromExponential rewrites a base-2 exponential histogram as explicit
// buckets and hands it to FromHistogram. Positive bucket index i holds
// (base^i, base^(i+1)] with base = 2^(2^-scale); negative buckets mirror them.
func fromExponential[N int64 | float64](scale int32, zero uint64, pos, neg metricdata.ExponentialBucket, count uint64, sum float64, minE, maxE metricdata.Extrema[N]) (Distribution, bool) {
	base := math.Exp2(math.Exp2(-float64(scale)))
	var bounds []float64
	var counts []uint64
	// Negative buckets from the most negative upward. Bucket (base^i, base^(i+1)]
	// of magnitudes is [-base^(i+1), -base^i) of values.
	for k := len(neg.Counts) - 1; k >= 0; k-- {
		i := int(neg.Offset) + k
		if len(bounds) == 0 {
			bounds = append(bounds, -math.Pow(base, float64(i+1)))
			counts = append(counts, 0)
		}
		bounds = append(bounds, -math.Pow(base, float64(i)))
		counts = append(counts, neg.Counts[k])
	}
	if zero > 0 || len(bounds) > 0 || len(pos.Counts) > 0 {
		if len(bounds) == 0 || bounds[len(bounds)-1] < 0 {
			bounds = append(bounds, 0)
			counts = append(counts, zero)
		} else {
			counts[len(counts)-1] += zero
		}
	}
	for k, c := range pos.Counts {
		i := int(pos.Offset) + k
		lower := math.Pow(base, float64(i))
		if len(bounds) > 0 && bounds[len(bounds)-1] < lower {
			bounds = append(bounds, lower)
			counts = append(counts, 0)
		}
		bounds = append(bounds, math.Pow(base, float64(i+1)))
		counts = append(counts, c)
	}
	counts = append(counts, 0) // the open bucket above the last bound
	mn, okMin := minE.Value()
	mx, okMax := maxE.Value()
	return FromHistogram(bounds, counts, count, sum, float64(mn), float64(mx), okMin && okMax)
}
