package rank

import (
	"strings"
	"testing"
)

// containsFoldASCII must answer as strings.Contains(strings.ToLower(s), n)
// for a lower-case ASCII needle and ASCII text.
func TestContainsFoldASCII(t *testing.T) {
	t.Parallel()
	cases := []struct{ s, needle string }{
		{"", ""}, {"abc", ""}, {"", "a"}, {"a", "a"}, {"A", "a"}, {"ab", "abc"},
		{"Site10.Example.ORG/x", "site10.example.org"}, {"site1 site10", "site10"},
		{"sss", "ss"}, {"sSsSt", "sst"}, {"xxSITEx", "site"}, {"xxSITx", "site"},
		{"1234", "34"}, {"a-b", "-b"}, {"end", "nd"}, {"endX", "d"}, {"Lorem sit amet", "sit a"},
		{"x.org", "example.org"}, {".org", "e.org"}, {"EXAMPLE.ORG", "example.org"}, {"a.b.c", "b.c"}, {"ab.", "b."}, {".", "."},
	}
	for _, c := range cases {
		checkContainsFold(t, c.s, c.needle)
	}
}

// checkContainsFold checks both searches, the anchored one where the
// needle has a byte other than a letter.
func checkContainsFold(t *testing.T, s, needle string) {
	t.Helper()
	want := strings.Contains(strings.ToLower(s), needle)
	if got := containsFoldASCII(s, needle); got != want {
		t.Errorf("containsFoldASCII(%q, %q) = %v, want %v", s, needle, got, want)
	}
	if k := strings.IndexFunc(needle, func(r rune) bool { return r < 'a' || r > 'z' }); k >= 0 && needle == strings.ToLower(needle) {
		if got := containsFoldASCIIAnchored(s, needle, k); got != want {
			t.Errorf("containsFoldASCIIAnchored(%q, %q, %d) = %v, want %v", s, needle, k, got, want)
		}
	}
}

func FuzzContainsFoldASCII(f *testing.F) {
	f.Add("Lorem ipsum SITE10.example.org", "site10")
	f.Add("sSsSt", "sst")
	f.Fuzz(func(t *testing.T, s, needle string) {
		needle = strings.ToLower(needle)
		for _, r := range s + needle {
			if r >= 0x80 {
				return // ASCII only: the needle type routes the rest elsewhere
			}
		}
		checkContainsFold(t, s, needle)
	})
}

func TestNeedleAnchor(t *testing.T) {
	t.Parallel()
	for match, want := range map[string]int{"example.org": 7, "Site10": 4, "target": -1, "  a b": 1, "bücher.de": -1} {
		if got := newNeedle(match).anchor; got != want {
			t.Errorf("newNeedle(%q).anchor = %d, want %d", match, got, want)
		}
	}
}
