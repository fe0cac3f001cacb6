package htmltree

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// render is a tree as text, or the parse error.
func render(doc *html.Node, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var b bytes.Buffer
	if err := html.Render(&b, doc); err != nil {
		return "render error: " + err.Error()
	}
	return b.String()
}

// tokens move the tree builder through its harder parts: formatting
// elements with and without attributes and their misnesting, blocks,
// tables and cells, markers, foreign content and its integration points,
// raw text, the head, repeated root tags.
var tokens = []string{
	"<b>", "<b x=1>", "<b x=2>", "<i>", "<font color=red>", "<font>", "<a href=/1>", "<a href=/2>", "<nobr>", "<u>",
	"</b>", "</i>", "</font>", "</a>", "</nobr>", "</u>",
	"<p>", "</p>", "<div>", "</div>", "<li>", "</li>", "<ul>", "</ul>", "<h1>", "</h1>", "<dd>", "<dt>", "<pre>",
	"<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "<caption>", "</caption>", "<tbody>",
	"<colgroup>", "<col>", "<object>", "</object>", "<marquee>", "</marquee>", "<template>", "</template>",
	"<button>", "</button>", "<span>", "</span>", "<br>", "</br>", "<img>", "<em>", "</em>", "<select>",
	"<option>", "</select>", "<input>", "<svg>", "</svg>", "<desc>", "<foreignObject>", "</foreignObject>",
	"<g>", "</g>", "<math>", "<mi>", "<annotation-xml encoding=text/html>", "</math>", "<custom-x>",
	"</custom-x>", "<form>", "</form>", "<body a=1>", "<html b=2>", "</body>", "<head>", "</head>",
	"<title>", "</title>", "<noscript>", "</noscript>", "<script><b></script>", "<style></b></style>",
	"<textarea><b x=3></textarea>", "<![CDATA[<b x=4>]]>", "<iframe></b></iframe>", "<xmp><i></xmp>",
	"<!-- <b> -->", "<meta>", "<frameset>", "<!doctype html>", "\x00", "x", "x", " ", "\n", "y",
}

// TestSameTreeAsUpstream: the fork builds x/net/html's tree for the same
// page, on pages drawn at random from the tree builder's hard cases.
func TestSameTreeAsUpstream(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 8))
	for run := range 20000 {
		var page strings.Builder
		for range 1 + rng.IntN(200) {
			page.WriteString(tokens[rng.IntN(len(tokens))])
		}
		want := render(html.Parse(strings.NewReader(page.String())))
		got := render(Parse(strings.NewReader(page.String()), Limits{}))
		if got != want {
			t.Fatalf("run %d: page %q\nfork:     %s\nupstream: %s", run, page.String(), got, want)
		}
	}
}

func repeatPage(head string, opened func(i int) string, n int, body string, size int) string {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		b.WriteString(opened(i))
	}
	for b.Len() < size {
		b.WriteString(body)
	}
	return b.String()
}

// attrs is n attributes with distinct names (the tokenizer keeps only the
// first of a name).
func attrs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d", i)
	}
	return b.String()
}

// hostile are pages that make the tree builder work far past their size.
func hostile() map[string]string {
	distinctB := func(i int) string { return fmt.Sprintf("<b c=%d>", i) }
	return map[string]string{
		// 500 unclosed formatting elements copied for every "</p><p>x".
		"re-opened <b>": repeatPage("<p>", distinctB, 500, "</p><p>x", 162<<10),
		// The same through blocks.
		"re-opened through <div>": repeatPage("<div>", distinctB, 500, "</div><div>x", 400<<10),
		// whatwg/html#10772: one <a> with many attributes, copied per "<p>a".
		"many-attribute <a>": "<p><a" + attrs(3000) + ">" + strings.Repeat("<p>a", 40000),
		// Every token inside an <annotation-xml> searches its attributes
		// for an encoding (found by an outside review: 22 s for 1 MB).
		"annotation-xml attributes": repeatPage("<math><annotation-xml"+attrs(87381)+">", func(int) string { return "" }, 0, "</x>", 1<<20),
		// Every unmatched end tag walks the stack of 508 open elements.
		"end tags walking the stack": repeatPage(strings.Repeat("<span>", 508), func(int) string { return "" }, 0, "</x>", 2<<20),
		// Every </b> walks a list of 505 formatting elements.
		"end tags walking the list": repeatPage("", func(i int) string { return fmt.Sprintf("<i %d>", i) }, 505, "</b>", 2<<20),
		// Repeated <body> tags each searching a list of 100,000 attributes.
		"root merges": "<body" + attrs(100000) + ">" + strings.Repeat("<body b>", 20000),
	}
}

// TestLimitsStopHostilePages: each hostile page ends with a *LimitError,
// having allocated little more than its limit (upstream's parse of the
// first built 784 MB).
func TestLimitsStopHostilePages(t *testing.T) {
	for name, page := range hostile() {
		t.Run(name, func(t *testing.T) {
			limits := Limits{CopyBytes: 32 << 20, Steps: 1 << 26}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse(strings.NewReader(page), limits)
			runtime.ReadMemStats(&after)
			var e *LimitError
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v, want a *LimitError", err)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%v; allocated %d MB", err, allocated>>20)
			if allocated > 4*uint64(limits.CopyBytes)+uint64(64*len(page)) {
				t.Errorf("allocated %d MB before stopping at a %d MB limit", allocated>>20, limits.CopyBytes>>20)
			}
		})
	}
}

// TestLimitsLeaveOrdinaryPagesAlone: a 4 MB page of ordinary formatting
// (block links, unclosed <font> in table cells, nested inline styles)
// parses to upstream's tree within small limits.
func TestLimitsLeaveOrdinaryPagesAlone(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("<!doctype html><body><table>")
	for i := 0; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, `<tr><td><font face="Arial" size=%d><b>row %d</b><td><a href="/r/%d"><div class=card><p>text <i>more</i> <em>and</em><p>again</div></a>`, i%7, i, i)
	}
	page := b.String()
	doc, err := Parse(strings.NewReader(page), Limits{CopyBytes: 1 << 20, Steps: 1 << 24})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := render(doc, nil), render(html.Parse(strings.NewReader(page))); got != want {
		t.Fatal("the fork's tree differs from upstream's")
	}
}
