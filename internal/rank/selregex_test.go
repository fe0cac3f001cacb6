package rank

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestRegexMatchesAsCascadia: the matcher matches regular expressions
// itself, in compounds and in :not(); on text within its bound it chooses
// what cascadia chooses. The selectors are single compounds, so that
// cascadia's matching of text nodes (cascadiaItems leaves them out) does
// not count.
func TestRegexMatchesAsCascadia(t *testing.T) {
	t.Parallel()
	selectors := []string{":matches(b)", "li:matchesOwn(^a$)", "p:matches((?i)B C)", ":not(:matches(d))", "div:not(.r, :matchesOwn(a))",
		"[class#=(^r)]", "a[href#=(/x$)]", ":not([class#=x])", "li:not(:not(:matches(a)))", ":matches(^$)", ":matchesOwn(^$)",
		"*:not(:nth-child(2):matches(b)).x", "li:matches(a):matches(b)", "[CLASS#=(x) i]", ":not(:matches(a), :matches(b))",
		"p:not(:empty)", ":matches(a\\s+b)", "section:matches(ab)", ":not(:matches(a)):not([class#=r])"}
	classes := []string{"r", "x"}
	words := []string{"a", "b c", "d", "A", " ", "<!--c-->", "<script>b</script>"}
	rng := rand.New(rand.NewPCG(6, 2))
	for range 3000 {
		page := treePage(rng, classes, words)
		sel := selectors[rng.IntN(len(selectors))]
		q := mustCompile(t, sel, "")
		doc, err := html.Parse(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		got, err := q.m.queryAll(context.Background(), doc)
		if err != nil {
			t.Fatal(err)
		}
		want := cascadiaItems(doc, strings.ReplaceAll(sel, ":not(:empty)", ":not(:empty:matchesOwn(^$))"))
		if len(got) != len(want) {
			t.Fatalf("selector %q on %q: matcher chose %d elements, cascadia %d", sel, page, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("selector %q on %q: item %d differs", sel, page, i)
			}
		}
	}
}

// TestRegexTextBound: a regular expression sees the first maxRegexText
// bytes of an element's text or an attribute's value, however they are
// split among text nodes.
func TestRegexTextBound(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", maxRegexText-1)
	split := strings.Repeat("<b>aaaa</b><!--c-->", maxRegexText/4) // the same text in many nodes
	tests := []struct {
		name, page, selector string
		want                 int // items
	}{
		{"within", "<p>" + long + "z</p>", "p:matches(az$)", 1},
		{"past", "<p>" + long + "az</p>", "p:matches(z)", 0},
		{"past, own", "<p>" + long + "az</p>", "p:matchesOwn(z)", 0},
		{"past, split", "<p>" + split + "z</p>", "p:matches(z)", 0},
		{"within, split", "<p>" + split + "z</p>", "p:matches(^a+$)", 1},
		{"own text only", "<p>x<b>y</b>z</p>", "p:matchesOwn(^xz$)", 1},
		{"attribute within", `<a title="` + long + `z">t</a>`, "a[title#=(az$)]", 1},
		{"attribute past", `<a title="` + long + `az">t</a>`, "a[title#=(z)]", 0},
		{"in :not(), past", "<p>" + long + "az</p>", "p:not(:matches(z))", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := treeExtract(context.Background(), []byte(tt.page), nil, mustCompile(t, tt.selector, ""))
			if err != nil || got.Items != tt.want {
				t.Fatalf("treeExtract = %+v, %v; want %d items", got, err, tt.want)
			}
		})
	}
}
