package emf

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

func TestManyMetricsSplitIntoDocuments(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	tests := []struct {
		metrics  int
		wantDocs []int // metric definitions per document
	}{
		{metrics: 100, wantDocs: []int{100}},
		{metrics: 101, wantDocs: []int{100, 1}},
		{metrics: 250, wantDocs: []int{100, 100, 50}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.metrics), func(t *testing.T) {
			t.Parallel()
			var rules []cwmetric.Rule
			var ms []metricdata.Metrics
			for i := range tt.metrics {
				inst := fmt.Sprintf("m.%03d", i)
				rules = append(rules, cwmetric.Rule{Instrument: inst, Name: fmt.Sprintf("Metric%03d", i)})
				ms = append(ms, gauge(inst, fpt(float64(i), attrs())))
			}
			var out bytes.Buffer
			e := newTestExporter(t, &out, WithMapper(testMapper(t, rules)))
			if err := e.Export(t.Context(), rmOf(ms...)); err != nil {
				t.Fatal(err)
			}
			docs := v.lines(t, out.Bytes())
			if len(docs) != len(tt.wantDocs) {
				t.Fatalf("%d documents, want %d", len(docs), len(tt.wantDocs))
			}
			seen := map[string]bool{}
			for i, d := range docs {
				defs := d["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Metrics"].([]any)
				if len(defs) != tt.wantDocs[i] {
					t.Errorf("document %d: %d metrics, want %d", i, len(defs), tt.wantDocs[i])
				}
				for _, def := range defs {
					seen[def.(map[string]any)["Name"].(string)] = true
				}
			}
			if len(seen) != tt.metrics {
				t.Errorf("%d distinct metrics written, want %d", len(seen), tt.metrics)
			}
			if st := e.Stats(); st.Datums != uint64(tt.metrics) || st.Documents != uint64(len(tt.wantDocs)) {
				t.Errorf("Stats: %d datums in %d documents, want %d in %d", st.Datums, st.Documents, tt.metrics, len(tt.wantDocs))
			}
		})
	}
}

// TestDistributionSplit checks that long distributions are cut into arrays
// of at most 100 values, one part per document, and that the parts add up.
func TestDistributionSplit(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	direct := cwmetric.Distribution{Min: 1, Max: 300}
	for i := 1; i <= 300; i++ {
		direct.Values = append(direct.Values, float64(i))
		direct.Counts = append(direct.Counts, 2)
		direct.Count += 2
		direct.Sum += 2 * float64(i)
	}
	bounds := make([]float64, 299)
	var values []float64
	for i := range bounds {
		bounds[i] = float64(i + 1)
		values = append(values, float64(i)+0.25, float64(i)+0.75)
	}
	values = append(values, 299.5, 1000)
	sdkPoint := hpt(attrs("job.status", "success", "job.method", "http"), bounds, values...)

	tests := []struct {
		name      string
		render    func(e *exporter) encoded
		wantParts int
		wantCount uint64
		wantSum   float64
		wantMin   float64
		wantMax   float64
	}{
		{
			name: "direct 300 values",
			render: func(e *exporter) encoded {
				p := cwmetric.Point{Name: "WorkerJobDuration", Unit: "Seconds", Time: t0, Sets: [][]int{{}}, Dist: &direct}
				docs, _ := buildDocuments([]item{{point: p}}, e.lim)
				return encodeDocuments(docs, "Test", 60, e.lim)
			},
			wantParts: 3, wantCount: 600, wantSum: direct.Sum, wantMin: 1, wantMax: 300,
		},
		{
			name:      "SDK histogram, 300 buckets",
			render:    func(e *exporter) encoded { return e.render(rmOf(histogram("job.duration", sdkPoint))) },
			wantParts: 4, // 300 bucket values + the exact max as a value of its own
			wantCount: sdkPoint.Count, wantSum: sdkPoint.Sum, wantMin: 0.25, wantMax: 1000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestExporter(t, nil)
			docs := v.lines(t, tt.render(e).buf)
			if len(docs) != tt.wantParts {
				t.Fatalf("%d documents, want %d", len(docs), tt.wantParts)
			}
			var count, sum float64
			lo, hi := math.Inf(1), math.Inf(-1)
			for i, d := range docs {
				obj := d["WorkerJobDuration"].(map[string]any)
				vs, cs := obj["Values"].([]any), obj["Counts"].([]any)
				if len(vs) > 100 || len(vs) != len(cs) {
					t.Errorf("part %d: %d values, %d counts", i, len(vs), len(cs))
				}
				var partCount float64
				for _, c := range cs {
					partCount += num(t, c)
				}
				if partCount != num(t, obj["Count"]) {
					t.Errorf("part %d: counts add to %v, Count says %v", i, partCount, obj["Count"])
				}
				count += num(t, obj["Count"])
				sum += num(t, obj["Sum"])
				lo, hi = math.Min(lo, num(t, obj["Min"])), math.Max(hi, num(t, obj["Max"]))
			}
			if count != float64(tt.wantCount) || math.Abs(sum-tt.wantSum) > 1e-9*math.Abs(tt.wantSum) {
				t.Errorf("parts add to count %v sum %v, want %v and %v", count, sum, tt.wantCount, tt.wantSum)
			}
			if lo != tt.wantMin || hi != tt.wantMax {
				t.Errorf("parts span [%v, %v], want [%v, %v]", lo, hi, tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestLineSizeLimit(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	var items []item
	for i := range 10 {
		items = append(items, item{point: cwmetric.Point{Name: fmt.Sprintf("Metric%02d", i), Unit: "Count", Time: t0, Sets: [][]int{{}}, Value: float64(i)}})
	}
	tests := []struct {
		name         string
		bytes        int
		wantLines    int
		wantTooLarge int
	}{
		{name: "fits", bytes: maxLineBytes, wantLines: 1},
		{name: "halved until each fits", bytes: 300, wantLines: 6},
		{name: "one metric too large", bytes: 100, wantLines: 0, wantTooLarge: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lim := defaultLimits
			lim.bytes = tt.bytes
			docs, _ := buildDocuments(items, lim)
			enc := encodeDocuments(docs, "Test", 60, lim)
			if len(enc.lines) != tt.wantLines || enc.tooLarge != tt.wantTooLarge {
				t.Fatalf("%d lines, %d too large; want %d and %d", len(enc.lines), enc.tooLarge, tt.wantLines, tt.wantTooLarge)
			}
			written := 0
			for _, l := range enc.lines {
				if n := l.end - l.start - 1; n > tt.bytes {
					t.Errorf("line of %d bytes, limit %d", n, tt.bytes)
				}
				written += l.datums
			}
			if written+enc.tooLarge != len(items) {
				t.Errorf("%d written + %d too large, want %d", written, enc.tooLarge, len(items))
			}
			v.lines(t, enc.buf)
		})
	}
}

func num(t testing.TB, x any) float64 {
	t.Helper()
	n, ok := x.(interface{ Float64() (float64, error) })
	if !ok {
		t.Fatalf("%v is a %T, not a number", x, x)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}
