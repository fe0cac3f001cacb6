package rank

import (
	"net/url"
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
		// Text of the needle's own prefix, where the search hands over to
		// foldKMP part way through.
		{strings.Repeat("a", 3000) + "B", strings.Repeat("a", 100) + "b"}, {strings.Repeat("aA", 3000), "aaab"},
		{strings.Repeat("abab", 2000) + "abac", "ababac"}, {strings.Repeat("ab", 3000) + "x", "abababx"},
		{strings.Repeat("1", 5000) + "X", strings.Repeat("1", 50) + "x"}, {strings.Repeat("1.", 4000), "1.1.1.2"},
		{strings.Repeat("x1", 4000) + "x1x1x2", "x1x1x2"},
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
	if got := foldKMP(s, needle); got != want {
		t.Errorf("foldKMP(%q, %q) = %v, want %v", s, needle, got, want)
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

// linkBases are page URLs links are resolved against: plain, with a port,
// user info, an IDNA host, an IPv6 zone (a "%" in the host), and none.
var linkBases = []string{
	"https://search.test/dir/page?q=1", "http://127.0.0.1:8080/page/5", "https://user:pw@host.test/a/",
	"https://xn--bcher-kva.de/x", "http://[fe80::1%25en0]:8080/x", "",
}

// checkLinks fails when links.matches answers differently from the
// reference, matchesHref.
func checkLinks(t *testing.T, base, href, match string) {
	t.Helper()
	var u *url.URL
	if base != "" {
		var err error
		if u, err = url.Parse(base); err != nil {
			t.Fatalf("base %q: %v", base, err)
		}
	}
	n := newNeedle(match)
	l := newLinks(n, u)
	if got, want := l.matches(href), n.matchesHref(href, u); got != want {
		t.Errorf("base %q href %q match %q: links.matches = %v, matchesHref = %v", base, href, match, got, want)
	}
}

func TestLinksMatchLikeMatchesHref(t *testing.T) {
	t.Parallel()
	hrefs := []string{"/page/12", "/", "/a/b/", "/a//b", "/a/./b", "/a/../b", "/a%2Fb", "/a?q=1", "/a#f", "/a+b",
		"//other.test/x", "page/12", "./x", "https://target.example/5", "/~user/x_y-z", " /page/7 ", "/PAGE/Ab", "/a:b", ""}
	matches := []string{"127.0.0.1:8080/page/12", "search.test/page", "host.test/a/b", "bücher.de", "xn--bcher-kva", "fe80::1%en0", "en0]:8080/a",
		"user:pw@", "https://", "/page/12", "target.example/5", "absent.example", "HOST.TEST", "%25en0"}
	for _, base := range linkBases {
		for _, href := range hrefs {
			for _, m := range matches {
				checkLinks(t, base, href, m)
			}
		}
	}
}

func FuzzLinks(f *testing.F) {
	f.Add(uint8(1), "/page/12", "127.0.0.1:8080/page/1")
	f.Add(uint8(3), "/x", "bücher.de")
	f.Add(uint8(0), "/a/b/", "search.test/a/b")
	f.Fuzz(func(t *testing.T, base uint8, href, match string) {
		checkLinks(t, linkBases[int(base)%len(linkBases)], href, match)
	})
}

// TestLinksStopWhenDone: once done has closed, links stops matching
// within a few hundred links: an item can hold most of a page's links,
// and closing 16 nested items that held 300,000 took 6 s in one step.
func TestLinksStopWhenDone(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	close(done)
	l := newLinks(newNeedle("x"), nil)
	l.done = done
	for range 256 {
		l.matches("/x")
	}
	if !l.stopped || l.matches("/x") {
		t.Fatalf("links matched on after done closed: stopped = %v", l.stopped)
	}
}
