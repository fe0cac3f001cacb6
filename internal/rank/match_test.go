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
	}
	for _, c := range cases {
		if got, want := containsFoldASCII(c.s, c.needle), strings.Contains(strings.ToLower(c.s), c.needle); got != want {
			t.Errorf("containsFoldASCII(%q, %q) = %v, want %v", c.s, c.needle, got, want)
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
		if got, want := containsFoldASCII(s, needle), strings.Contains(strings.ToLower(s), needle); got != want {
			t.Errorf("containsFoldASCII(%q, %q) = %v, want %v", s, needle, got, want)
		}
	})
}
