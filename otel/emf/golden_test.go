package emf

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/otel/cwmetric"
)

// TestGolden pins the translation from SDK data to EMF lines. Refresh with
// go test ./otel/emf -run TestGolden -update.
func TestGolden(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	props := WithProperties(
		cwmetric.Dimension{Attribute: "service.instance.id", Name: "WorkerId"},
		cwmetric.Dimension{Attribute: "aws.ecs.task.arn", Name: "TaskArn"},
	)
	collide := testRules()
	collide = append(collide, cwmetric.Rule{Instrument: "job.status", Name: "Status",
		Dimensions: []cwmetric.Dimension{{Attribute: "job.status", Name: "Status"}}, DimensionSets: [][]string{{"Status"}}})
	tests := []struct {
		name string
		opts []Option
		rm   *metricdata.ResourceMetrics
		// wantDropped and wantSkipped are the Stats the rendering must leave.
		wantDropped map[string]uint64
		wantSkipped uint64
	}{
		{
			name: "rollup_properties",
			opts: []Option{props},
			rm: rmOf(
				histogram("job.duration",
					hpt(attrs("job.status", "success", "job.method", "http"), nil, 0.12, 0.5, 3),
					hpt(attrs("job.status", "failed", "job.method", "browser"), nil, 7.5)),
				counter("job.completed",
					ipt(5, attrs("job.status", "success", "job.method", "http")),
					ipt(2, attrs("job.status", "success", "job.method", "browser")),
					ipt(1, attrs("job.status", "failed", "job.method", "browser"))),
				gauge("queue.waiting", fpt(12, attrs())),
			),
		},
		{
			name: "attribute_properties",
			opts: []Option{props, WithAttributeProperties(cwmetric.Dimension{Attribute: "job.queue", Name: "Queue"})},
			rm: rmOf(
				counter("job.completed",
					ipt(1, attrs("job.status", "success", "job.queue", "a")),
					ipt(2, attrs("job.status", "success", "job.queue", "b")),
					ipt(3, attrs("job.status", "success"))),
				gauge("queue.waiting", fpt(4, attrs("job.queue", "a"))),
			),
		},
		{
			name: "collisions",
			opts: []Option{
				WithMapper(testMapper(t, collide)),
				WithProperties(cwmetric.Dimension{Attribute: "service.instance.id", Name: "Status"}),
				WithStorageResolution(1),
			},
			rm: rmOf(
				counter("job.completed", ipt(5, attrs("job.status", "success"))),
				counter("job.status", ipt(1, attrs("job.status", "success"))),
				gauge("queue.waiting", fpt(0.000000125, attrs()), fpt(2e21, attrs("x", "y"))),
			),
			wantDropped: map[string]uint64{ReasonNameCollision: 1},
			wantSkipped: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestExporter(t, io.Discard, tt.opts...)
			enc := e.render(tt.rm)
			got := enc.buf
			v.lines(t, got)
			st := e.Stats()
			for _, r := range reasons {
				if st.Dropped[r] != tt.wantDropped[r] {
					t.Errorf("Dropped[%s] = %d, want %d", r, st.Dropped[r], tt.wantDropped[r])
				}
			}
			if st.PropertiesSkipped != tt.wantSkipped {
				t.Errorf("PropertiesSkipped = %d, want %d", st.PropertiesSkipped, tt.wantSkipped)
			}
			path := filepath.Join("testdata", tt.name+".jsonl")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update if intended)\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}
