package cloudwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was sent (run go test -update after checking):\n%s", path, got)
	}
}

// render writes each request's namespace, then one datum a line as JSON
// without the members left unset, so a diff points at the datum that moved.
func render(t *testing.T, ins []*cw.PutMetricDataInput) []byte {
	t.Helper()
	var b bytes.Buffer
	for i, in := range ins {
		fmt.Fprintf(&b, "request %d namespace=%s datums=%d\n", i+1, aws.ToString(in.Namespace), len(in.MetricData))
		for _, d := range in.MetricData {
			raw, err := json.Marshal(d)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			for k, v := range m {
				if v == nil {
					delete(m, k)
				}
			}
			if raw, err = json.Marshal(m); err != nil {
				t.Fatalf("marshal: %v", err)
			}
			b.Write(raw)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func TestGoldenRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		resolution int
	}{
		{"requests_60s.golden", 60},
		{"requests_1s.golden", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{}
			exp := newExporter(t, api, WithStorageResolution(tt.resolution), withClock(fixedClock))
			if err := exp.Export(context.Background(), mixed(fixedNow.Add(-time.Minute))); err != nil {
				t.Fatalf("Export: %v", err)
			}
			golden(t, tt.name, render(t, api.inputs()))

			st := exp.Stats()
			want := Drops{NonFinite: 2}
			if st.Dropped != want || st.Unmapped != 1 || st.Points != 6 {
				t.Errorf("stats = %+v, want 6 points, 1 unmapped, drops %+v", st, want)
			}
		})
	}
}

func TestBatchLimits(t *testing.T) {
	t.Parallel()
	scalar := func(n int) []types.MetricDatum {
		ds := make([]types.MetricDatum, n)
		for i := range ds {
			ds[i] = types.MetricDatum{MetricName: aws.String("M"), Value: aws.Float64(1), Unit: types.StandardUnitCount}
		}
		return ds
	}
	histogram := func(n int) []types.MetricDatum {
		ds := make([]types.MetricDatum, n)
		vals := make([]float64, maxDistValues)
		for i := range ds {
			ds[i] = types.MetricDatum{MetricName: aws.String("H"), Values: vals, Counts: vals, Timestamp: aws.Time(fixedNow)}
		}
		return ds
	}
	tests := []struct {
		name  string
		ds    []types.MetricDatum
		sizes []int // datums per batch
	}{
		{"empty", nil, nil},
		{"one", scalar(1), []int{1}},
		{"count binds", scalar(2500), []int{1000, 1000, 500}},
		{"exactly 1000", scalar(1000), []int{1000}},
		// A 150-value datum is 2,753 bytes: 363 fit in 10^6 bytes.
		{"bytes bind", histogram(1000), []int{363, 363, 274}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			overhead := requestOverhead(testNamespace)
			bs, sizes := batch(tt.ds, maxRequestDatums, maxRequestBytes, overhead)
			var got []int
			for i, b := range bs {
				got = append(got, len(b))
				want := overhead
				for j := range b {
					want += datumSize(&b[j])
				}
				if sizes[i] != want || sizes[i] > maxRequestBytes {
					t.Errorf("batch %d: size %d, want %d and at most %d", i, sizes[i], want, maxRequestBytes)
				}
			}
			if !slices.Equal(got, tt.sizes) {
				t.Errorf("batches = %v, want %v", got, tt.sizes)
			}
		})
	}
}

func TestValidDatum(t *testing.T) {
	t.Parallel()
	dims := func(n int) []types.Dimension {
		ds := make([]types.Dimension, n)
		for i := range ds {
			ds[i] = types.Dimension{Name: aws.String("D"), Value: aws.String("v")}
		}
		return ds
	}
	tests := []struct {
		name string
		d    types.MetricDatum
		want bool
	}{
		{"value", types.MetricDatum{MetricName: aws.String("M"), Value: aws.Float64(1)}, true},
		{"no name", types.MetricDatum{Value: aws.Float64(1)}, false},
		{"NaN", types.MetricDatum{MetricName: aws.String("M"), Value: aws.Float64(math.NaN())}, false},
		{"beyond 2^360", types.MetricDatum{MetricName: aws.String("M"), Value: aws.Float64(math.Ldexp(1, 361))}, false},
		{"30 dimensions", types.MetricDatum{MetricName: aws.String("M"), Value: aws.Float64(1), Dimensions: dims(30)}, true},
		{"31 dimensions", types.MetricDatum{MetricName: aws.String("M"), Value: aws.Float64(1), Dimensions: dims(31)}, false},
		{"values", types.MetricDatum{MetricName: aws.String("M"), Values: []float64{1, 2}, Counts: []float64{3, 4}}, true},
		{"counts mismatch", types.MetricDatum{MetricName: aws.String("M"), Values: []float64{1, 2}, Counts: []float64{3}}, false},
		{"151 values", types.MetricDatum{MetricName: aws.String("M"), Values: make([]float64, 151), Counts: make([]float64, 151)}, false},
		{"Inf in values", types.MetricDatum{MetricName: aws.String("M"), Values: []float64{math.Inf(-1)}, Counts: []float64{1}}, false},
		{"negative count", types.MetricDatum{MetricName: aws.String("M"), Values: []float64{1}, Counts: []float64{-1}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := validDatum(&tt.d); got != tt.want {
				t.Errorf("validDatum = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		age  time.Duration
		want int
	}{
		{"now", 0, 0},
		{"13 days", 13 * 24 * time.Hour, 0},
		{"at the margin", maxAge - ageMargin - time.Second, 0},
		{"14 days", maxAge, -1},
		{"1 hour ahead", -time.Hour, 0},
		{"2 hours ahead", -maxAhead, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := inRange(fixedNow.Add(-tt.age), fixedNow); got != tt.want {
				t.Errorf("inRange = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestQueueKeep(t *testing.T) {
	t.Parallel()
	named := func(names ...string) []types.MetricDatum {
		ds := make([]types.MetricDatum, len(names))
		for i, n := range names {
			ds[i] = types.MetricDatum{MetricName: aws.String(n)}
		}
		return ds
	}
	tests := []struct {
		name        string
		queued      []string
		kept        []string
		want        []string
		wantDropped int
	}{
		{"fits", []string{"c"}, []string{"a", "b"}, []string{"a", "b", "c"}, 0},
		{"oldest kept dropped", []string{"c"}, []string{"a", "b", "x"}, []string{"b", "x", "c"}, 1},
		{"all kept dropped", []string{"c", "d", "e"}, []string{"a", "b"}, []string{"c", "d", "e"}, 2},
		{"queued dropped too", []string{"c", "d", "e", "f"}, []string{"a"}, []string{"d", "e", "f"}, 2},
		{"nothing", nil, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := queue{max: 3, items: named(tt.queued...)}
			dropped := q.keep(named(tt.kept...))
			var got []string
			for _, d := range q.take() {
				got = append(got, *d.MetricName)
			}
			if dropped != tt.wantDropped || len(got) != len(tt.want) {
				t.Fatalf("kept %v, dropped %d; want %v, %d", got, dropped, tt.want, tt.wantDropped)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("kept %v, want %v", got, tt.want)
				}
			}
		})
	}
}
