package rank

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// agree runs both readers and fails when the streaming one answers
// differently from the tree parser. It reports whether streaming answered.
func agree(t *testing.T, page, selector, match string) bool {
	t.Helper()
	streamed, _ := agreeStopped(t, page, selector, match)
	return streamed
}

// agreeStopped is agree, and it also reports whether the streaming reader
// stopped at the match.
func agreeStopped(t *testing.T, page, selector, match string) (streamed, stopped bool) {
	t.Helper()
	q, err := Compile(selector, match)
	if err != nil || !q.streams {
		return false, false
	}
	base, _ := url.Parse("https://base.test/dir/page")
	ctx := context.Background()
	got, stopped, err := streamExtract(ctx, []byte(page), base, q)
	if errors.Is(err, errFallback) {
		return false, false
	}
	if err != nil {
		t.Fatalf("streamExtract(%q, %q): %v", page, selector, err)
	}
	want, err := treeExtract(ctx, []byte(page), base, q)
	if err != nil && stopped && strings.Contains(err.Error(), "exceeds 512") {
		// The reader stopped at the match before markup nested deeper than
		// the tree parser accepts (TestRankBeforeDeepNesting).
		return true, true
	}
	if err != nil {
		t.Fatalf("treeExtract: %v", err)
	}
	// A reader that stopped at the match has counted the items begun so
	// far: at least up to the match, at most all of them.
	if stopped && got.Items < want.Items && got.Items >= *got.Rank {
		got.Items = want.Items
	}
	if !reflect.DeepEqual(describe(got), describe(want)) {
		t.Fatalf("page %q selector %q match %q:\nstream %s\ntree   %s", page, selector, match, describe(got), describe(want))
	}
	return true, stopped
}

func describe(p Page) string {
	r := "nil"
	if p.Rank != nil {
		r = fmt.Sprint(*p.Rank)
	}
	return fmt.Sprintf("title=%q items=%d rank=%s", p.Title, p.Items, r)
}

func TestStreamAgreesWithTree(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page, selector, match string
		streams                     bool // the streaming reader is expected to answer
	}{
		{"serp", string(serpPage()), "li.r", "site7.example.org", true},
		{"serp descendant", string(serpPage()), "div#main ol > li.r h3 a", "result number 4", true},
		{"group", `<ul><li class=a>1</li><li class=b>2</li></ul>`, "li.b, li.a", "2", true},
		{"nested items", `<div class=i>outer <div class=i>inner x</div></div>`, "div.i", "inner", true},
		{"not", `<ul><li class="r ad">ad x</li><li class=r>x</li></ul>`, "li.r:not(.ad)", "x", true},
		{"attribute", `<a href="/a" data-k=v>1</a><a href="https://t.example/b">2</a>`, "a[href^='https']", "t.example", true},
		{"body attrs", `<html><body class=serp><p class=i>x</p></body></html>`, "body.serp .i", "x", true},
		{"body attrs after head", `<html lang=en><head><meta charset=utf-8><title>t</title></head><body class=serp><ul><li class=i>x</li></ul></body></html>`, ".serp .i", "x", true},
		{"body attrs after body content", `<p class=i>x</p><body class=serp>`, ".serp .i", "x", false},
		{"html attrs after head content", `<head><meta class=i></head><html class=h>`, ".h .i", "", false},
		{"body chosen", `<body><p>x</p></body>`, "body", "x", false},
		{"head items", `<head><meta name=a><link rel=x href=/y></head><body></body>`, "link", "base.test/y", true},
		{"title in body", `<p class=i>a<title>T &amp; t</title></p>`, ".i", "t & t", true},
		{"script text excluded", `<div class=i><script>var x="needle"</script>y</div>`, ".i", "needle", true},
		{"entities and NUL", "<p class=i>caf&eacute;\x00 bar</p>", ".i", "café bar", true},
		{"void item", `<div><img class=i src=x><area class=i href="https://m.example/"></div>`, ".i", "m.example", true},
		{"unclosed at EOF", `<div class=i>text`, ".i", "text", true},
		{"unclosed li", `<ul><li class=i>a<li class=i>b</ul>`, ".i", "b", true},
		{"unclosed li over div", `<ul><li class=i><div>a<li class=i>b</ul>`, ".i", "a", true},
		{"unclosed li over formatting", `<ul><li class=i><b>a<li class=i>b</ul>`, ".i", "b", false},
		{"unclosed dd dt", `<dl><dt class=i>a<dd class=i>b<dt class=i>c</dl>`, ".i", "c", true},
		{"p closed by div", `<p class=i>a<div>b</div>`, ".i", "b", true},
		{"p closed by p", `<p class=i>a<p class=i>b`, ".i", "b", true},
		{"p closed by end div", `<div class=i><p>a</div><p class=i>b`, ".i", "a", true},
		{"formatting closed by end div", `<div class=i><b>a</div>b`, ".i", "a", false},
		{"p under formatting closed by div", `<p class=i><b>a<div>b</div>`, ".i", "b", false},
		{"heading end closes other level", `<h2 class=i><p>a</h3>b`, ".i", "a", true},
		{"table", `<table><tr><td class=i>x</td></tr></table>`, ".i", "x", false},
		{"misnested", `<b><i class=i>x</b>y</i>`, ".i", "y", false},
		{"nested a", `<a class=i href=/1>a<a class=i href=/2>b</a>`, ".i", "/2", false},
		{"stray end tag", `<div class=i>a</span>b</div>`, ".i", "b", false},
		{"stray p end", `<div class=i>a</p>b</div>`, ".i", "b", false},
		{"svg", `<svg><title>s</title></svg><p class=i>x</p>`, ".i", "x", false},
		{"sibling combinator", `<p class=a>1</p><p class=b>2</p>`, ".a + .b", "2", false},
		{"heading in heading", `<h1 class=i>a<h2 class=i>b</h2>`, ".i", "b", true},
		{"nested list ok", `<ul><li class=i>a<ul><li class=i>b</li></ul></li></ul>`, ".i", "b", true},
		{"head then text", `<head><title>t</title></head>  x<p class=i>y</p>`, ".i", "y", true},
		{"meta after head", `<head></head><meta class=i><p>x</p>`, ".i", "", false},
		{"html attrs later", `<p class=i>x</p><html lang=en>`, "html[lang=en] .i", "x", false},
		{"html attrs first", `<html lang=en><p class=i>x</p>`, "html[lang=en] .i", "x", true},
		{"form in form", `<form><form class=i>x</form></form>`, ".i", "x", false},
		{"self-closing div", `<div class=i/>x<p>y</p>`, ".i", "y", true},
		{"noscript raw", `<div class=i><noscript><p>hidden</p></noscript></div>`, ".i", "<p>hidden", true},
		{"case-insensitive tags", `<DIV CLASS=i><A HREF="/X">Y</A></DIV>`, "div.i", "base.test/x", true},
		{"empty match", `<p>a</p><p class=i>b</p>`, ".i", "", true},
		{"end body then more", `<body><p class=i>a</p></body><p class=i>b</p>`, ".i", "b", true},
		{"upper-case doctype", `<!DOCTYPE HTML><title>t</title><p class=i>a</p><p class=i>x</p>`, ".i", "x", true},
		{"upper-case doctype, table in p", `<!DOCTYPE HTML><p class=i>a<table><tr><td>x</td></tr></table></p><p class=i>x`, ".i", "x", false},
		// Tag names the scanner reads itself, and the ones it hands over.
		{"name ended by CR, tab, FF, slash", "<li\rclass=i>a</li\t><li\fclass=i>b</li/><li/class=i>c</li >", ".i", "c", true},
		{"mixed-case end tag", `<Ul><lI Class=i>a</LI><li class=i>b</Li></uL>`, "ul .i", "b", true},
		{"NUL in a name", "<d\x00iv class=i>a</d\x00iv><div class=i>b</div>", ".i", "b", true},
		{"non-ASCII name", `<lé class=i>a</lé><li class=i>b</li>`, ".i", "b", true},
		{"tag without attributes then with", `<div><span>x</span><span class=i>y</span></div>`, ".i", "y", true},
		// Stopping at the match: only when the rest cannot change the answer.
		{"stop: descendant selector, no formatting element open", `<title>t</title><div class=r><ul><li class=i>x</li><li class=i>y</li></ul></div><table>`, "div.r li.i", "x", true},
		{"stop: class-only selector, no html or body tag ahead", `<title>t</title><p class=i>a</p><p class=i>x</p><table>`, ".i", "x", true},
		{"no stop: descendant selector, body tag ahead", `<title>t</title><div><p class=i>x</p></div><table><BODY class=serp>`, "div .i", "x", false},
		{"no stop: ancestor selector, html tag ahead in any case", `<title>t</title><div><p class=i>x</p></div><HtMl lang=en><table>`, "html[lang] .i", "x", false},
		{"no stop: descendant selector under an open formatting element", `<title>t</title><b><div><i class=x>y</i></div><table>`, "div .x", "y", false},
		{"stop once the formatting element closed", `<title>t</title><b>z</b><div><i class=x>y</i></div><table>`, "div .x", "y", true},
		{"stop: typed selector ignores later body class", `<title>t</title><p class=i>a</p><p class=i>x</p><body class=i>`, "p.i", "x", true},
		{"no stop: class-only selector, body gains the class", `<title>t</title><p class=i>a</p><p class=i>x</p><body class=i>`, ".i", "x", false},
		{"no stop: frameset may still replace the body", `<title>t</title><div class=i><a href="https://t.example/"></a></div><frameset>`, "div.i", "t.example", false},
		{"stop after the frameset chance has gone", `<title>t</title><div class=i>x</div><frameset>`, "div.i", "x", true},
		{"no stop before the title", `<p class=i>x</p><title>T</title>`, "p.i", "x", true},
		{"no stop: combinator, later misnesting moves the item", `<title>t</title><b><div><p class=i>x</p></b>`, "div > p.i", "x", false},
		{"stop: misnesting later cannot unmatch the item", `<title>t</title><b><div><p class=i>x</p></b>`, "p.i", "x", true},
		{"no stop while an earlier item is open", `<title>t</title><div class=i>a<div class=i>x</div>b z</div>`, "div.i", "x", true},
		{"no stop: a comment is a combinator", `<title>t</title><b><span><div><i class=x>y</i></b>`, "span/**/.x", "y", false},
		{"no stop: a comment hides body in a group", `<title>t</title><li class=x>a</li><li class=x>b</li><body class=serp>`, "li.x,/**/body.serp", "b", false},
		{"no stop: combinator inside :not", `<title>t</title><b><div><p class=i>x</p></b>`, "p:not(section p)", "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if streamed := agree(t, tt.page, tt.selector, tt.match); streamed != tt.streams {
				t.Fatalf("streaming answered = %v, want %v", streamed, tt.streams)
			}
		})
	}
}

// TestRankBeforeDeepNesting: x/net/html refuses a document nested deeper
// than 512 elements, but a reader that stops at the match never gets
// there, so such a page still gets its rank, from the streaming reader.
func TestRankBeforeDeepNesting(t *testing.T) {
	t.Parallel()
	page := []byte(`<title>t</title><ul><li class=x>a</li><li class=x>b</li></ul>` + strings.Repeat("<div>", 600))
	base, _ := url.Parse("https://base.test/")
	ctx := context.Background()
	if _, err := treeExtract(ctx, page, base, mustCompile(t, "li.x", "b")); err == nil {
		t.Fatal("the tree parser read a page nested 600 deep; this test no longer tests anything")
	}
	got, err := Extract(ctx, page, base, mustCompile(t, "li.x", "b"))
	if err != nil || got.Rank == nil || *got.Rank != 2 {
		t.Fatalf("Extract = %+v, %v; want rank 2", got, err)
	}
	// With nothing to stop at, the page is still a parse error.
	if _, err := Extract(ctx, page, base, mustCompile(t, "li.x", "absent")); err == nil {
		t.Fatal("Extract read a page nested 600 deep without a match; want a parse error")
	}
}

func mustCompile(t testing.TB, selector, match string) *Query {
	t.Helper()
	q, err := Compile(selector, match)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func FuzzStreamAgrees(f *testing.F) {
	f.Add(string(serpPage()), "li.r", "site3")
	f.Add(`<ul><li class=a><a href="/x">1</a></li></ul>`, "ul > li.a", "base.test/x")
	f.Add(`<head><title>t</title><body class=b><div id=m><p>x</p></div>`, "body.b #m p", "x")
	f.Add(`<p class=i>a<b>b</b>c</p><p class=i>d</p>`, ".i", "bc")
	f.Add(`<div><span class=i>x</span></div><div><span class=i>y</span>`, "div .i:not([x])", "y")
	f.Add("<title>a\x00b</title><p class=i>\r\nq</p>", ".i", "q")
	f.Add("<LI\rCLASS=i>a</Li\f><d\x00iv class=i>b</d\x00iv><lé class=i>c", ".i", "c")
	f.Add("<!DOCTYPE HTML><p class=i>a<table><td>x</table></p><p class=i>x", "p.i", "x")
	f.Fuzz(func(t *testing.T, page, selector, match string) {
		agree(t, page, selector, match)
	})
}

var genRuns = flag.Int("rank.genruns", 20000, "pages TestStreamAgreesOnGeneratedPages generates")

// treePage writes a mostly well-formed page: nested elements, with the end
// tags HTML lets authors omit (p, li, dd, dt) sometimes left out.
func treePage(rng *rand.Rand, classes, words []string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>" + words[rng.IntN(len(words))] + "</title></head><body>")
	var node func(depth int)
	node = func(depth int) {
		blocks := []string{"div", "ul", "li", "p", "section", "h2", "dl", "dt", "dd", "nav"}
		inlines := []string{"a", "span", "b", "em", "small", "img", "br"}
		for range 1 + rng.IntN(4) {
			if rng.IntN(3) == 0 || depth > 5 {
				b.WriteString(words[rng.IntN(len(words))])
				continue
			}
			tag := blocks[rng.IntN(len(blocks))]
			if depth > 2 && rng.IntN(2) == 0 {
				tag = inlines[rng.IntN(len(inlines))]
			}
			b.WriteString("<" + tag)
			if rng.IntN(2) == 0 {
				b.WriteString(` class="` + classes[rng.IntN(len(classes))] + `"`)
			}
			if tag == "a" {
				b.WriteString(` href="https://` + words[rng.IntN(3)] + `/x"`)
			}
			b.WriteString(">")
			if tag == "img" || tag == "br" {
				continue
			}
			node(depth + 1)
			optional := tag == "p" || tag == "li" || tag == "dd" || tag == "dt"
			if !optional || rng.IntN(3) != 0 {
				b.WriteString("</" + tag + ">")
			}
		}
	}
	node(0)
	b.WriteString("</body></html>")
	return b.String()
}

// TestStreamAgreesOnGeneratedPages throws markup soup built from the tags
// pages really use, closed or not, at both readers.
func TestStreamAgreesOnGeneratedPages(t *testing.T) {
	t.Parallel()
	tags := []string{"div", "p", "ul", "ol", "li", "a", "b", "i", "span", "h2", "h3", "dl", "dt", "dd",
		"section", "article", "em", "strong", "br", "img", "hr", "button", "form", "title", "script",
		"table", "td", "select", "nav", "header", "small", "html", "head", "body"}
	classes := []string{"i", "r", "ad", "g"}
	selectors := []string{".i", "li.i", "div .i", "ul > li", "a[href]", ".r a", "div.i, li.r",
		"li:not(.ad)", "body .g", "[class=r]", "h2 a", "p"}
	words := []string{"x", "example.com", "Foo", "bar baz", "&amp;", "\n", " ", "é"}
	rng := rand.New(rand.NewPCG(1, 2))
	var streamed int
	runs := *genRuns
	for range runs {
		var b strings.Builder
		for range 1 + rng.IntN(40) {
			tag := tags[rng.IntN(len(tags))]
			switch rng.IntN(4) {
			case 0:
				b.WriteString("</" + tag + ">")
			case 1:
				b.WriteString(words[rng.IntN(len(words))])
			default:
				b.WriteString("<" + tag)
				if rng.IntN(2) == 0 {
					b.WriteString(` class="` + classes[rng.IntN(len(classes))] + `"`)
				}
				if tag == "a" {
					b.WriteString(` href="/` + words[rng.IntN(3)] + `"`)
				}
				b.WriteString(">")
			}
		}
		page := b.String()
		if rng.IntN(2) == 0 {
			page = treePage(rng, classes, words)
		}
		if agree(t, page, selectors[rng.IntN(len(selectors))], words[rng.IntN(4)]) {
			streamed++
		}
	}
	if streamed < runs/10 {
		t.Fatalf("only %d of %d generated pages streamed; the test exercises too little", streamed, runs)
	}
	t.Logf("%d of %d generated pages streamed", streamed, runs)
}

// TestStreamStopsOnlyWhenSettled puts a matching item early in a page and
// markup after it that changes trees in the ways the stop rule has to rule
// out: html and body tags with attributes, misnested formatting elements,
// framesets, tables, templates. Wherever the streaming reader answers,
// stopped early or not, the tree parser must agree.
func TestStreamStopsOnlyWhenSettled(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 17))
	heads := []string{"<title>t</title>", "", "<html class=h><title>t</title><body class=b>", "<title>t</title><body>"}
	opens := []string{"", "<b>", "<div class=r>", "<b><div class=r>", "<ul class=r>", "<span>", "<a href=/o>", "<em><p>"}
	items := []string{`<li class=i><a href="/x">x</a></li>`, `<p class=i>x</p>`, `<div class=i>x</div>`, `<li class=i>y</li><li class=i>x</li>`,
		`<i class=i>x</i>`, `<li class=i>x`, `<div class=i><a href="/x"></a></div>`, `<p class=i><a href="/x"></a></p>`}
	// The tails that can change the tree behind a match come more often.
	tails := []string{"</b>", "</b>", "</b>", "<frameset>", "<frameset>", "<body class=i>", "<body class=r>", "<html class=h>", "</div>", "</ul>", "</span>", "</a>", "</em>", "</p>", "<body class=i>", "<BODY class=r>", "<html class=i>",
		"<html lang=x>", "<frameset>", "<table><tr><td class=i>x</td></tr></table>", "<template><p class=i>x</p></template>",
		"<li class=i>x</li>", "<p class=i>x", "text", "<b>", "<i>", "</i>", "<a href=/z>", "<select><option class=i>x</select>",
		"<svg><title>s</title></svg>", "<title>late</title>", "</body>", "</html>", "<div>", "<br>", "</br>", "<script>x</script>"}
	selectors := []string{"li.i", ".i", "div.r .i", ".r .i", "ul > li", "b .i", ".h .i", ".b .i", "[class=i]", "p.i, li.i",
		"div .i", "span .i", "li:not(.r li)", "body .i", "html .i", "i.i", "a", "div > .i", "div.r > .i", "b > div .i", "div.i"}
	var streamed, stopped int
	for range 60000 {
		var b strings.Builder
		b.WriteString(heads[rng.IntN(len(heads))])
		b.WriteString(opens[rng.IntN(len(opens))])
		b.WriteString(items[rng.IntN(len(items))])
		for range rng.IntN(6) {
			b.WriteString(tails[rng.IntN(len(tails))])
		}
		page, selector := b.String(), selectors[rng.IntN(len(selectors))]
		if read, early := agreeStopped(t, page, selector, "x"); read {
			streamed++
			if early {
				stopped++
			}
		}
	}
	if stopped < 6000 {
		t.Fatalf("the reader stopped early on %d pages (%d streamed); the test exercises too little", stopped, streamed)
	}
	t.Logf("%d of 60000 pages streamed, %d of them stopped at the match", streamed, stopped)
}
