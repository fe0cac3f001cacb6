package rank_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/rank"
)

// TestCompileRefuses: what cascadia lacks or reads unlike a browser, and
// what costs too much to match, is refused with a reason a user can act
// on; the API shows it with its 422.
func TestCompileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ selector, want string }{
		{":is(h2, h3) a", `uses :is(), which is not supported; list its selectors instead`},
		{"li:where(.r)", `uses :where(), which is not supported`},
		{"div:has(> p)", `uses :has(> …), which is not supported`},
		{"div:has(+ p)", `uses :has(+ …), which is not supported`},
		{"div:has(~p)", `uses :has(~ …), which is not supported`},
		{"div:has(p span)", `uses a combinator inside :has(), which is not supported`},
		{"li:nth-child(2n+1 of .r)", `uses :nth-child() with "of", which is not supported`},
		{"p:lang(en)", `uses :lang(), which is not supported`},
		{"a:any-link", `uses :any-link, which is not supported`},
		{":scope > li", `uses :scope, which is not supported`},
		{"p::before", `uses the pseudo-element ::before; an item must be an element`},
		{"p:after", `uses the pseudo-element ::after`},
		{strings.Repeat("li.a, ", 16) + "li.b", `lists 17 selectors; at most 16 are allowed`},
		{strings.Repeat("div ", 64) + "li", `has 65 compound selectors; at most 64 are allowed`},
		{"li:not(:not(:not(.ad)))", `nests pseudo-classes more than 2 deep`},
		{"li:not(.a .b .c)", `uses more than 1 descendant (space) or ~ combinator inside :not()`},
		{"li:not(.a ~ .b ~ .c)", `uses more than 1 descendant (space) or ~ combinator inside :not()`},
		{"li:not(:not(.a .b) .c)", `uses more than 1 descendant (space) or ~ combinator inside :not()`},
		{"div:has(:nth-last-child(1))", `uses :nth-last-child() inside :has(), which is not supported`},
		{"div:has(:first-child)", `uses :first-child inside :has()`},
		{"div:has(:contains(x))", `uses :contains() inside :has()`},
		{"div:has(a:has(b))", `uses :has() inside :has()`},
		{"div:has(:not(:nth-child(2)))", `uses :nth-child() inside :has()`},
		// Go's regexp costs text × program: a large program would make
		// one element's match outlast the job's deadline.
		{"p:matches([a-z]{999}z)", `uses :matches() with a regular expression too costly to match: it compiles to 1002 steps, at most 100 are allowed`},
		{`li:matchesOwn(\pL{200})`, `uses :matchesOwn() with a regular expression too costly to match`},
		{"a[href#=([a-z]{999})]", `uses [href#=…] with a regular expression too costly to match`},
		{"li:not(:matches([a-z]{98}z))", `uses :matches() with a regular expression too costly to match: it compiles to 101 steps`},
		{"div:has([href#=(pdf)])", `uses [href#=…] inside :has(), which is not supported`},
		{"li:not(.a :matches(x))", `uses a combinator inside a :not() that matches a regular expression`},
		{"li:not(:not(.a > .b[x#=(y)]))", `uses a combinator inside a :not() that matches a regular expression`},
		{"li[", `is not valid CSS: `},
		{"", `selector is empty`},
		{strings.Repeat("a", rank.MaxSelectorLength+1), `selector is longer than 1024 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			t.Parallel()
			q, err := rank.Compile(tt.selector, "x")
			if q != nil || !errors.Is(err, rank.ErrInvalidSelector) {
				t.Fatalf("Compile(%q) = %v, %v; want ErrInvalidSelector", tt.selector, q, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Compile(%q) error:\n%s\nwant it to say:\n%s", tt.selector, err, tt.want)
			}
			if err := rank.ValidateSelector(tt.selector); !errors.Is(err, rank.ErrInvalidSelector) {
				t.Fatalf("ValidateSelector(%q) = %v, want ErrInvalidSelector", tt.selector, err)
			}
		})
	}
}

// TestCompileAccepts: selectors real jobs use, and the cascadia syntax
// Compile reads around (escapes, comments, quoted brackets), still compile.
func TestCompileAccepts(t *testing.T) {
	t.Parallel()
	for _, sel := range []string{
		"ol > li.result:not(.ad) a[href^='http']", "div#search div.g h3 > a", "#rso .g .yuRUbf a",
		"li:nth-child(2n+1)", "tr:nth-last-child(-n+3)", "li:first-child", "li:only-of-type",
		"h3 + p", "h3 ~ p", "li:not(.r li)", "li:not(.a ~ .b)", "div:has(a.title)", "div:has(:not(.ad))",
		"div:not(:has(a))", "li:contains('Ad')", "li:matches(^\\d+\\.)", "a[href#=(\\.pdf$)]", "*", "ul *",
		"div:not(:empty)", "li:\\65mpty", "li/**/a", `[data-x="a)b, c"] li`, "li[title='x:is(y)']",
		":root > body li", "input:checked", "a:link", "button:enabled", "li:not(:not(.a))",
		"li:not(:not(.a) .b)", strings.Repeat("li.a, ", 15) + "li.b", strings.Repeat("div ", 63) + "li",
		"p:matches([a-z]{97}z)", "li:not(:matches((?i)sponsored|advert))", `p:matchesOwn(^\s*$)`, `li:not(.ad, :matches(^Ad\b))`,
		`a:not([href#=(\.pdf$)])`, "li:not(:not(:matchesOwn(x)))", "div:not(:empty) > p:empty",
	} {
		if _, err := rank.Compile(sel, "x"); err != nil {
			t.Errorf("Compile(%q): %v", sel, err)
		}
	}
}

// TestSelectorsMatchAsBrowsers: items are what a browser's
// querySelectorAll (and css-select, which the original service used)
// returns, where cascadia alone would differ.
func TestSelectorsMatchAsBrowsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page, selector, match string
		wantItems, wantRank         int // wantRank 0: none
	}{
		{"white space is not empty", `<ul><li> </li><li></li><li><!--c--></li><li>x</li></ul>`, "li:empty", "", 2, 1},
		{"white space is content", `<div class=a> </div><div class=a><a href="/t">t</a></div>`, "div:not(:empty)", "/t", 2, 2},
		{"escaped :empty", `<p> </p><p></p>`, `p:\65mpty`, "", 1, 1},
		{"a <link> is no link", `<head><link rel=stylesheet href=/s.css></head><body><a href=/a>a</a><a>b</a>`, ":link", "", 1, 1},
		{"a link is not enabled", `<a href=/x>x</a><input name=q><input disabled>`, ":enabled", "", 1, 1},
		{"text nodes are no items", `<p>target</p>`, ":contains(target)", "target", 3, 1},
		{"siblings are elements", `<p>x<span>y</span></p>`, ":contains(x) ~ span", "", 0, 0},
		// The streaming reader once kept no attribute for "[href#=…]".
		{"attribute regex", `<a href="/b.html">b</a><a href="/a.pdf">a</a>`, `a[href#=(\.pdf$)]`, "", 1, 1},
		{"text regex", `<ul><li>Ad: x</li><li>1. y</li></ul>`, `li:matches(^\d+\.)`, "y", 1, 1},
		{"regex in :not()", `<ul><li>Ad: x</li><li>1. y</li></ul>`, `li:not(:matches(^Ad))`, "y", 1, 1},
		// Combinators the matcher walks itself.
		{"adjacent over text and comments", `<h3>a</h3> t <!--c--><p>b</p><p>c</p>`, "h3 + p", "c", 1, 0},
		{"general sibling", `<h3>a</h3><p>b</p><div><p>x</p></div><p>c</p>`, "h3 ~ p", "c", 2, 2},
		{"child then descendant", `<div class=r><span><a>1</a></span></div><div><div class=r><a>2</a></div></div>`, "div > .r a", "2", 1, 1},
		{"descendant needs the nearest ancestor to fail", `<ol class=x><li><ul><li><b>1</b></li></ul></li></ol>`, "ol.x > li b", "1", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := rank.Compile(tt.selector, tt.match)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rank.Extract(context.Background(), []byte(tt.page), nil, q)
			if err != nil {
				t.Fatal(err)
			}
			rank := 0
			if got.Rank != nil {
				rank = *got.Rank
			}
			if got.Items != tt.wantItems || rank != tt.wantRank {
				t.Fatalf("Items %d, rank %d; want %d, %d", got.Items, rank, tt.wantItems, tt.wantRank)
			}
		})
	}
}

// TestDoctypeCase: the doctype's name is case-insensitive, so
// "<!DOCTYPE HTML>" is a no-quirks document, where a <table> closes an
// open <p>: alpha, the empty <p> that "</p>" then makes, target.
func TestDoctypeCase(t *testing.T) {
	t.Parallel()
	const body = `<p>alpha<table><tr><td>x</td></tr></table></p><p>target</p>`
	tests := []struct {
		name, doctype string
		want          int
	}{
		{"lower case", "<!DOCTYPE html>", 3},
		{"upper case", "<!DOCTYPE HTML>", 3},
		{"mixed case", "<!doctype Html>", 3},
		{"after comments and white space", "\n<!-- x -->\n <!DOCTYPE HTML>\n", 3},
		{"no space before the name", "<!DOCTYPEHTML>", 3},
		{"HTML 4.01 strict with system id", `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">`, 3},
		{"HTML 4.01 transitional without system id is quirks", `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">`, 2},
		{"another name is quirks", "<!DOCTYPE HTMLX>", 2},
		{"none is quirks", "", 2},
		{"text first is quirks", "x<!DOCTYPE HTML>", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := rank.Compile("p", "target")
			if err != nil {
				t.Fatal(err)
			}
			got, err := rank.Extract(context.Background(), []byte(tt.doctype+body), nil, q)
			if err != nil || got.Rank == nil || *got.Rank != tt.want {
				t.Fatalf("Extract = %+v, %v; want rank %d", got, err, tt.want)
			}
		})
	}
}
