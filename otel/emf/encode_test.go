package emf

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestAppendString(t *testing.T) {
	t.Parallel()
	tests := []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f ctl",
		"ünïcödé ✓ 🚀", "bad \xff utf8 \xc3", "</script>&",
	}
	for _, s := range tests {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			out := appendString(nil, s)
			var got string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%q encodes to invalid JSON %s: %v", s, out, err)
			}
			if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
				t.Errorf("round trip of %q = %q, want %q", s, got, want)
			}
		})
	}
}

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	tests := []float64{0, 1, -1, 0.1, 1.5e-7, 123456789, 1e20, 1e21, 2.5e300, -3.75e-300, math.SmallestNonzeroFloat64, math.MaxFloat64, math.Copysign(0, -1)}
	for _, f := range tests {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendFloat(nil, f); string(got) != string(want) {
			t.Errorf("appendFloat(%v) = %s, want %s as encoding/json writes it", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := appendFloat(nil, f); !json.Valid(got) {
			t.Errorf("appendFloat(%v) = %s, not valid JSON", f, got)
		}
	}
}
