package cloudwatch

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// secondBuckets are the boundaries a job-duration histogram would use.
var secondBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// cloudWatchPercentile is the percentile CloudWatch computes from raw
// values and counts: the smallest value whose cumulative count reaches p
// of the samples.
func cloudWatchPercentile(ds []cloudwatchtest.Datum, p float64) float64 {
	type vc struct{ v, c float64 }
	var all []vc
	var n float64
	for _, d := range ds {
		for i, v := range d.Values {
			all = append(all, vc{v, d.Counts[i]})
			n += d.Counts[i]
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	var cum float64
	for _, e := range all {
		cum += e.c
		if cum >= p*n {
			return e.v
		}
	}
	return math.NaN()
}

func truePercentile(sorted []float64, p float64) float64 {
	return sorted[int(math.Ceil(p*float64(len(sorted))))-1]
}

func bucketOf(v float64) int {
	return sort.SearchFloat64s(secondBuckets, v) // first bound >= v: buckets are (lo, hi]
}

func TestPercentilesWithinOneBucket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		mu, sigma float64
	}{
		{"lognormal median 0.37s", -1, 1},
		{"lognormal median 2s, wide", math.Log(2), 1.5},
		{"lognormal median 50ms, narrow", math.Log(0.05), 0.4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			exp := newExporter(t, s.Client())
			mp := pipeline(t, exp)
			h, err := mp.Meter("test").Float64Histogram("series.duration", metric.WithUnit("s"),
				metric.WithExplicitBucketBoundaries(secondBuckets...))
			if err != nil {
				t.Fatal(err)
			}
			ctx := ctxTimeout(t, 10*time.Second)
			rng := rand.New(rand.NewPCG(7, uint64(tt.sigma*100)))
			recorded := make([]float64, 10_000)
			var sum float64
			for i := range recorded {
				recorded[i] = math.Exp(tt.mu + tt.sigma*rng.NormFloat64())
				sum += recorded[i]
				h.Record(ctx, recorded[i], metric.WithAttributeSet(seriesAttrs(0)))
			}
			if err := mp.ForceFlush(ctx); err != nil {
				t.Fatalf("ForceFlush: %v", err)
			}
			slices.Sort(recorded)
			ds := s.DatumsNamed("SeriesDuration")
			if len(ds) == 0 {
				t.Fatal("nothing arrived")
			}

			// SampleCount, Sum, Minimum and Maximum as CloudWatch derives them
			// from the values are the recorded ones.
			var count, gotSum float64
			gotMin, gotMax := math.Inf(1), math.Inf(-1)
			for _, d := range ds {
				for i, v := range d.Values {
					count += d.Counts[i]
					gotSum += v * d.Counts[i]
					gotMin, gotMax = math.Min(gotMin, v), math.Max(gotMax, v)
				}
			}
			if count != 10_000 || math.Abs(gotSum-sum) > 1e-9*sum || gotMin != recorded[0] || gotMax != recorded[len(recorded)-1] {
				t.Errorf("count %v sum %v min %v max %v; recorded %d, %v, %v, %v",
					count, gotSum, gotMin, gotMax, len(recorded), sum, recorded[0], recorded[len(recorded)-1])
			}

			for _, p := range []float64{0.5, 0.9, 0.99, 0.999} {
				cwP, trueP := cloudWatchPercentile(ds, p), truePercentile(recorded, p)
				if d := bucketOf(cwP) - bucketOf(trueP); d < -1 || d > 1 {
					t.Errorf("p%v: CloudWatch %.4fs (bucket %d), true %.4fs (bucket %d)", p*100, cwP, bucketOf(cwP), trueP, bucketOf(trueP))
				}
				t.Logf("p%v: CloudWatch %.4fs (bucket %d), true %.4fs (bucket %d)", p*100, cwP, bucketOf(cwP), trueP, bucketOf(trueP))
			}
		})
	}
}
