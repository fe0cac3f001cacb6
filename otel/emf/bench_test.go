package emf

import (
	"fmt"
	"io"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// BenchmarkEncode10k exports 10,000 series (four instruments × 2,500
// dimension values; a quarter are histograms) to io.Discard:
// go test ./otel/emf -run '^$' -bench Encode10k -benchmem
func BenchmarkEncode10k(b *testing.B) {
	shard := []cwmetric.Dimension{{Attribute: "shard", Name: "Shard"}, {Attribute: "job.status", Name: "Status"}}
	sets := [][]string{{"Shard", "Status"}, {"Status"}}
	var rules []cwmetric.Rule
	for _, n := range []string{"a.count", "a.gauge", "a.duration", "a.level"} {
		rules = append(rules, cwmetric.Rule{Instrument: n, Name: "M_" + n, Dimensions: shard, DimensionSets: sets})
	}
	const perMetric = 2500
	var counts []metricdata.DataPoint[int64]
	var gauges, levels []metricdata.DataPoint[float64]
	var hists []metricdata.HistogramDataPoint[float64]
	for i := range perMetric {
		a := attrs("shard", fmt.Sprintf("shard-%04d", i), "job.status", []string{"success", "failed"}[i%2])
		counts = append(counts, ipt(int64(i), a))
		gauges = append(gauges, fpt(float64(i)/3, a))
		levels = append(levels, fpt(float64(i%17), a))
		hists = append(hists, hpt(a, nil, 0.3, 4, 12, 80, float64(i%900)))
	}
	rm := rmOf(
		counter("a.count", counts...),
		gauge("a.gauge", gauges...),
		histogram("a.duration", hists...),
		metricdata.Metrics{Name: "a.level", Unit: "{job}", Data: metricdata.Sum[float64]{
			Temporality: metricdata.CumulativeTemporality, DataPoints: levels}},
	)
	e := newTestExporter(b, io.Discard, WithMapper(testMapper(b, rules)))
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Export(ctx, rm); err != nil {
			b.Fatal(err)
		}
	}
	st := e.Stats()
	b.ReportMetric(float64(st.Documents)/float64(b.N), "lines/op")
	b.ReportMetric(float64(st.Bytes)/float64(b.N), "out-B/op")
	if st.Datums/uint64(b.N) != 4*perMetric {
		b.Errorf("%d datums per export, want %d", st.Datums/uint64(b.N), 4*perMetric)
	}
}
