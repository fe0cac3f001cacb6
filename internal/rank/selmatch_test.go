package rank

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// cascadiaItems is what cascadia.QueryAll chooses, elements only.
func cascadiaItems(doc *html.Node, selector string) []*html.Node {
	var out []*html.Node
	for _, n := range cascadia.QueryAll(doc, cascadia.MustCompile(selector)) {
		if n.Type == html.ElementNode {
			out = append(out, n)
		}
	}
	return out
}

// divergent reports whether a selector uses what the matcher means to
// read differently from cascadia: the fixed pseudo-classes, and those
// that match text or the document node (which cascadia takes as an
// ancestor or sibling too).
func divergent(g selGroup) bool {
	for _, c := range g {
		for _, p := range c {
			for _, u := range p.pseudos {
				if _, fixed := fixes[u.name]; fixed || strings.HasPrefix(u.name, "contains") || strings.HasPrefix(u.name, "matches") || divergent(u.sub) {
					return true
				}
			}
		}
	}
	return false
}

// checkAgainstCascadia fails when the matcher chooses other elements than
// cascadia on page, for a selector both read alike.
func checkAgainstCascadia(t *testing.T, page, selector string) {
	t.Helper()
	q, err := Compile(selector, "")
	if err != nil {
		if strings.Contains(err.Error(), "unambiguously") {
			t.Fatalf("Compile(%q): %v", selector, err)
		}
		return
	}
	if g, _ := lexGroup(selector); divergent(g) {
		return
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return
	}
	got, err := q.m.queryAll(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	want := cascadiaItems(doc, selector)
	if len(got) != len(want) {
		t.Fatalf("selector %q on %q: matcher chose %d elements, cascadia %d", selector, page, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("selector %q on %q: item %d differs: <%s> vs <%s>", selector, page, i, got[i].Data, want[i].Data)
		}
	}
}

// TestMatcherAgreesWithCascadia: the matcher walks combinators itself;
// wherever it means to, it chooses what cascadia chooses.
func TestMatcherAgreesWithCascadia(t *testing.T) {
	t.Parallel()
	selectors := []string{"li", ".r", "div .r", "div > .r", "ul li a", "ul > li > a", "h2 + p", "h2 ~ p", "p + p + p",
		"li ~ li ~ li", "div li + li", "div > ul ~ p a", ".r :not(.r) a", "li:not(.r li)", "li:not(.r ~ li)", "div:has(a)",
		"section > div.r, li.x", "*", "* > *", "div * a", "li:nth-child(2n+1) a", "li:first-child + li", "p:only-child",
		"li:nth-last-child(2) ~ li", ":root > body .x", "div:not(:has(a)) p", "li:haschild(a)", "a[href] ~ a",
		"nav a, li.r > a, h2 + p", "div.r > div.r .x ~ p", "ul  >  li  a", "li /* c */ a",
		"li:nth-last-of-type(2n+1)", "p:nth-of-type(2)", "li:last-child", "div > :only-of-type", ":nth-child(-n+2)",
		"li:nth-last-child(odd) a", ":first-of-type:last-of-type", "p:nth-child(3n-1):not(.r)", ".r:nth-last-child(n+2) ~ *",
		"*:NTH-CHILD(2N)", "li:not(:nth-last-child(2))", ":root:first-child", "p:nth-of-type(even) + p"}
	classes := []string{"r", "x"}
	words := []string{"a", "b c", "d"}
	rng := rand.New(rand.NewPCG(5, 8))
	for range 1500 {
		page := treePage(rng, classes, words)
		checkAgainstCascadia(t, page, selectors[rng.IntN(len(selectors))])
	}
}

// FuzzCompile: Compile reads every selector as cascadia does (no
// selector cascadia parses and checkShape allows is refused as
// ambiguous), and the matcher chooses what cascadia chooses.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{"li.r > a", "div:not(.a .b) ~ p", `[title="a)b"] + li`, ":matches((a|b)) li", "[a#=(x)]",
		`li\:x`, `\31 0`, "a/**/b", "a/*b", "p:nth-child( 2n + 1 )", ":not( p , a )", "*|* li", "li:empty",
		"li:nth-last-child(-2n+3).r", ":only-of-type", "p:first-child:last-of-type ~ p", ":not(:matches(a)) li", "[a#=(x) i]",
		"p:not(.a, [b#=(c)])", "li:not(:empty):matchesOwn(^x)"} {
		f.Add(s, "<ul><li class=r><a>1</a></li><li><p>2</p><p>3</p></li></ul><div><p class=a>x</p><p>y</p></div>")
	}
	f.Fuzz(func(t *testing.T, selector, page string) {
		if len(selector) > MaxSelectorLength || len(page) > 4096 {
			return
		}
		g, ok := lexGroup(selector)
		_, err := cascadia.ParseGroup(selector)
		if err == nil && checkShape(g) == "" && !ok {
			t.Fatalf("lexGroup(%q) failed where cascadia parses it", selector)
		}
		if _, err := Compile(selector, ""); err != nil && !errors.Is(err, ErrInvalidSelector) {
			t.Fatalf("Compile(%q): %v does not wrap ErrInvalidSelector", selector, err)
		}
		checkAgainstCascadia(t, page, selector)
	})
}
