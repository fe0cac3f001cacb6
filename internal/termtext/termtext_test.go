package termtext

import (
	"encoding/json"
	"testing"
)

// hostile is what a hostile API answered the review: a window title, a
// screen clear, colours, a C1 CSI, DEL, bidi overrides and isolates,
// marks, zero-width and tag characters, line breaks and a stray byte.
const hostile = "\x1b]0;HACKED\x07\x1b[2J\x1b[31mred\u009b31m\x7f" +
	"a\u202ebc\u202c\u2066d\u2069\u200e\u200f\u200b\U000E0041\u2028e\r\nf\tg\xff"

func TestLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text, é ü 日本", "plain text, é ü 日本"},
		{hostile, "]0;HACKED[2J[31mred31mabcd e  f g\uFFFD"},
		{"\u202aA\u202bB\u202dC\u2067D\u2068E\u2069\ufeff\u00ad", "ABCDE"},
	} {
		got := Line(tc.in)
		if got != tc.want {
			t.Errorf("Line(%q) = %q; want %q", tc.in, got, tc.want)
		}
		for _, r := range got {
			if unsafe(r) {
				t.Errorf("Line(%q) keeps %U", tc.in, r)
			}
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	// encoding/json escapes C0 itself; a RawMessage carries the rest raw.
	in, err := json.Marshal(map[string]any{"s": hostile, "raw": json.RawMessage("\"x\u009by\u202e\x7f\"")})
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(in)
	for _, r := range string(got) {
		if unsafe(r) || r == '\uFFFD' {
			t.Errorf("JSON(%q) = %q: keeps %U raw", in, got, r)
		}
	}
	var a, b map[string]string
	if err := json.Unmarshal(in, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &b); err != nil {
		t.Fatalf("JSON(%q) = %q: %v", in, got, err)
	}
	if a["s"] != b["s"] || a["raw"] != b["raw"] || b["raw"] != "x\u009by\u202e\x7f" {
		t.Errorf("JSON changed the values: %q → %q", a, b)
	}
	if plain := []byte(`{"a":"b é"}`); string(JSON(plain)) != string(plain) {
		t.Errorf("JSON(%s) = %s; want it as is", plain, JSON(plain))
	}
}
