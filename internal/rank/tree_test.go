package rank

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/htmltree"
)

// TestHostileTreesEndAsParseErrors: pages that make the tree builder copy
// or search far past their size (a 162 KB page built a tree of 784 MB in
// 1.3 s; 20,000 <body b> after a <body> of 100,000 attributes took
// minutes) end the job as a parse error, not retried, soon.
func TestHostileTreesEndAsParseErrors(t *testing.T) {
	t.Parallel()
	reopen := func(opening, repeat string, size int) string {
		var b strings.Builder
		b.WriteString("<!doctype html>" + opening)
		for i := range 500 {
			fmt.Fprintf(&b, "<b c=%d>", i)
		}
		for b.Len() < size {
			b.WriteString(repeat)
		}
		return b.String()
	}
	var attrs strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&attrs, " a%d", i)
	}
	pages := map[string]string{
		"re-opened <b>":           reopen("<p>", "</p><p>x", 162<<10),
		"re-opened through <div>": reopen("<div>", "</div><div>x", 400<<10),
		"root merges":             "<body" + attrs.String() + ">" + strings.Repeat("<body b>", 20000),
	}
	// A selector the streaming reader cannot answer: the tree is built.
	q := mustCompile(t, "li:nth-last-child(1)", "x")
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			_, err := Extract(context.Background(), []byte(page), nil, q)
			var limit *htmltree.LimitError
			if !errors.As(err, &limit) || crawler.TypeOf(err) != crawler.ErrParse {
				t.Fatalf("Extract = %v (type %s), want a parse error from the tree's limits", err, crawler.TypeOf(err))
			}
		})
	}
}

// TestOrdinaryTreesWithinLimits: a results page, and one that repeats
// root tags as document.write pages do, parse.
func TestOrdinaryTreesWithinLimits(t *testing.T) {
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
}
