package rank

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// tokenizerRootTags counts the <html> and <body> start tags x/net/html's
// Tokenizer reads in page, and their attributes.
func tokenizerRootTags(page string) (tags, attrs int) {
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tags, attrs
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if n := string(name); n != "html" && n != "body" {
				continue
			}
			tags++
			for more {
				_, _, more = z.TagAttr()
				attrs++
			}
		}
	}
}

// firstTagAttrs is how many attributes the Tokenizer reads in the tag at
// the start of s.
func firstTagAttrs(s string) int {
	z := html.NewTokenizer(strings.NewReader(s))
	if tt := z.Next(); tt != html.StartTagToken && tt != html.SelfClosingTagToken {
		return 0
	}
	n := 0
	for _, more := z.TagName(); more; n++ {
		_, _, more = z.TagAttr()
	}
	return n
}

// checkRootBound fails when rootMergeCost counts fewer root tags or
// attributes than a reading of page could hold: the Tokenizer's own, or
// one starting at any "<html" or "<body", as the tree builder's may in
// other states.
func checkRootBound(t *testing.T, page string) {
	t.Helper()
	_, tags, attrs := rootMergeCost([]byte(page))
	if gotTags, gotAttrs := tokenizerRootTags(page); gotTags > tags || gotAttrs > attrs {
		t.Fatalf("page %q: the Tokenizer reads %d root tags with %d attributes; rootMergeCost bounds them by %d and %d",
			page, gotTags, gotAttrs, tags, attrs)
	}
	for i := range page {
		if isRootTag([]byte(page), i) {
			if n := firstTagAttrs(page[i:]); n > attrs {
				t.Fatalf("page %q: the tag at %d has %d attributes; rootMergeCost bounds them by %d", page, i, n, attrs)
			}
		}
	}
}

func TestRootMergeCostBounds(t *testing.T) {
	t.Parallel()
	for _, page := range []string{
		string(serpPage()), "<html lang=en><body class=a>x", "<HTML\tA=1 b='2' c=\"3\" d/e>", "<body/a/b>", "<body a= >",
		"<body =a =b>", "<body a=\"x>y\" b>", "<body a='x\"' b=\"y'\" c>", "<html a=1<body b=2 c=3>", "<body a", "<body",
		"<script>'<body a b c>'</script><body d>", "<!-- <html a b> --><html c>", "<body a=\"<body b c d>\" e>",
		"<svg><style><body a b c></style></svg><body d>", "<htmlx a b><bodyy c>", "<body\fa\rb\nc>",
	} {
		checkRootBound(t, page)
	}
	rng := rand.New(rand.NewPCG(9, 4))
	pieces := []string{"<body", "<html", "<BODY", " ", "\t", "/", ">", "=", "\"", "'", "a", "b=1", "<!--", "-->", "<script>",
		"</script>", "<svg>", "<style>", "</style>", "<p", "x"}
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(24) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkRootBound(t, b.String())
	}
}

func FuzzRootMergeCost(f *testing.F) {
	f.Add("<html a=1<body b=2 c=3>")
	f.Add("<body a=\"<body b c d>\" e>")
	f.Fuzz(func(t *testing.T, page string) {
		checkRootBound(t, page)
	})
}

// TestParseTreeRefusesRootMerges: real pages pass; a page built to make
// the tree builder merge root attributes for minutes is refused at once.
func TestParseTreeRefusesRootMerges(t *testing.T) {
	t.Parallel()
	var scripts strings.Builder
	scripts.WriteString("<html lang=en class=js><body class=home>")
	for range 200 {
		scripts.WriteString(`<script>document.write('<html><body class="x" data-a=1>')</script>`)
	}
	for _, page := range []string{string(serpPage()), scripts.String()} {
		if _, err := parseTree(context.Background(), []byte(page)); err != nil {
			t.Errorf("parseTree: %v", err)
		}
	}
	attrs := strings.Repeat(" a=x", 5000) // one reading of 5,000 keys
	for _, page := range []string{
		"<body" + attrs + ">" + strings.Repeat("<body b>", 1000),
		// Hidden where the Tokenizer would not read it as a tag.
		"<script>'<body" + attrs + ">'</script>" + strings.Repeat("<html b>", 1000),
		// Nested readings: linear still.
		"<body a='" + strings.Repeat(`<body b="`, 100000),
	} {
		_, err := parseTree(context.Background(), []byte(page))
		var e errRootMerge
		if !errors.As(err, &e) {
			t.Errorf("parseTree(%.40q…) = %v, want it refused", page, err)
		}
	}
}
