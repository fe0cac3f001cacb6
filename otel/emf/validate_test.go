package emf

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaPath is AWS's published EMF schema, patched to today's limits;
// testdata/emf-schema.SOURCE.md says where it comes from and what changed.
var schemaPath = filepath.Join("testdata", "emf-schema.json")

type validator struct{ schema *jsonschema.Schema }

func newValidator(t testing.TB) *validator {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatalf("EMF schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("parse %s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	// The published schema predates 2020-12 and uses fragment $ids.
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource("emf-schema.json", doc); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	sch, err := c.Compile("emf-schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}
	return &validator{schema: sch}
}

// lines validates every line of out and returns them decoded.
func (v *validator) lines(t testing.TB, out []byte) []map[string]any {
	t.Helper()
	var docs []map[string]any
	for i, l := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		docs = append(docs, v.line(t, i+1, l))
	}
	return docs
}

// line checks one document against the schema and the rules no schema
// encodes: ≤ 1 MB, ≤ 100 values per array, finite numbers, and every
// referenced dimension and metric present as a top-level member.
func (v *validator) line(t testing.TB, n int, l []byte) map[string]any {
	t.Helper()
	if len(l) > maxLineBytes {
		t.Errorf("line %d: %d bytes, over 1 MB", n, len(l))
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(l))
	if err != nil {
		t.Fatalf("line %d: not JSON: %v\n%s", n, err, l)
	}
	if err := v.schema.Validate(inst); err != nil {
		t.Fatalf("line %d: schema: %v\n%s", n, err, l)
	}
	dec := json.NewDecoder(bytes.NewReader(l))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("line %d: decode: %v", n, err)
	}
	aws := doc["_aws"].(map[string]any)
	for _, d := range aws["CloudWatchMetrics"].([]any) {
		dir := d.(map[string]any)
		for _, set := range dir["Dimensions"].([]any) {
			for _, name := range set.([]any) {
				if _, ok := doc[name.(string)].(string); !ok {
					t.Errorf("line %d: dimension %q is not a top-level string member", n, name)
				}
			}
		}
		for _, m := range dir["Metrics"].([]any) {
			name := m.(map[string]any)["Name"].(string)
			val, ok := doc[name]
			if !ok {
				t.Errorf("line %d: metric %q is not a top-level member", n, name)
				continue
			}
			checkValue(t, n, name, val)
		}
	}
	return doc
}

func checkValue(t testing.TB, n int, name string, val any) {
	t.Helper()
	switch v := val.(type) {
	case json.Number:
		checkFinite(t, n, name, v)
	case []any:
		checkArray(t, n, name, v)
	case map[string]any:
		vs, _ := v["Values"].([]any)
		cs, _ := v["Counts"].([]any)
		checkArray(t, n, name+".Values", vs)
		checkArray(t, n, name+".Counts", cs)
		if len(vs) != len(cs) || len(vs) == 0 {
			t.Errorf("line %d: %s: %d values, %d counts", n, name, len(vs), len(cs))
		}
		for _, k := range []string{"Max", "Min", "Count", "Sum"} {
			num, ok := v[k].(json.Number)
			if !ok {
				t.Errorf("line %d: %s.%s missing", n, name, k)
				continue
			}
			checkFinite(t, n, name+"."+k, num)
		}
	default:
		t.Errorf("line %d: metric %q has a %T value", n, name, val)
	}
}

func checkArray(t testing.TB, n int, name string, arr []any) {
	t.Helper()
	if len(arr) > maxValuesPerDoc {
		t.Errorf("line %d: %s holds %d values, over 100", n, name, len(arr))
	}
	for _, x := range arr {
		num, ok := x.(json.Number)
		if !ok {
			t.Errorf("line %d: %s holds a %T", n, name, x)
			continue
		}
		checkFinite(t, n, name, num)
	}
}

func checkFinite(t testing.TB, n int, name string, num json.Number) {
	t.Helper()
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		t.Errorf("line %d: %s = %s is not a finite number", n, name, num)
	}
}
