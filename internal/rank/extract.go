package rank

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Page is what Extract found in a page.
type Page struct {
	Title string // whitespace-collapsed text of the first <title>
	Rank  *int   // 1-based position of the first matching item; nil when none matched or no rank was asked
	// Items counts the items the selector chose; 0 often means the list is
	// rendered by script. Where the streaming reader stops at the match,
	// Items counts the items up to it.
	Items int
}

// Extract reads a UTF-8 HTML page. q == nil: title only, which needs no
// document tree. baseURL (the page's final URL, may be nil) resolves
// relative links before they are compared with the match string.
//
// An item matches when its text, or the href of a link inside it (raw,
// resolved, percent-decoded, or its host in Unicode or ASCII form),
// contains the match string case-insensitively. An empty match string
// matches the first item.
//
// Well-formed pages and selectors that look only at an element and its
// ancestors are read in one streaming pass, which stops at the match once
// the rest of the page cannot change the answer; anything else gets the
// full HTML5 tree. Both give the same rank and title, except that a page
// nested deeper than the tree parser accepts (512) only after its match
// still gets its rank, and so does one whose repeated <html> or <body>
// tags hold more attributes than the tree parser merges in time.
//
// Extract checks ctx as it goes, in every pass; once ctx is done it
// returns promptly with a *crawler.FetchError of type timeout wrapping
// ctx.Err(). Other errors are of type parse.
func Extract(ctx context.Context, page []byte, baseURL *url.URL, q *Query) (Page, error) {
	if ctx.Err() != nil {
		return Page{}, timeout(ctx)
	}
	if q == nil {
		title, err := scanTitle(newPageReader(ctx, page))
		switch {
		case err != nil && ctx.Err() != nil:
			return Page{}, timeout(ctx)
		case err != nil:
			return Page{}, crawler.Errorf(crawler.ErrParse, "rank: read html: %w", err)
		}
		return Page{Title: title}, nil
	}
	if q.streams {
		p, _, err := streamExtract(ctx, page, baseURL, q)
		switch {
		case err == nil:
			return p, nil
		case ctx.Err() != nil:
			return Page{}, timeout(ctx)
		case !errors.Is(err, errFallback):
			return Page{}, crawler.Errorf(crawler.ErrParse, "rank: read html: %w", err)
		}
	}
	return treeExtract(ctx, page, baseURL, q)
}

func treeExtract(ctx context.Context, page []byte, base *url.URL, q *Query) (Page, error) {
	doc, err := parseTree(ctx, page)
	switch {
	case err != nil && ctx.Err() != nil:
		return Page{}, timeout(ctx)
	case err != nil:
		return Page{}, crawler.Errorf(crawler.ErrParse, "rank: parse html: %w", err)
	}
	return rankDoc(ctx, doc, base, q)
}

func rankDoc(ctx context.Context, doc *html.Node, base *url.URL, q *Query) (Page, error) {
	items, err := q.m.queryAll(ctx, doc)
	if err != nil {
		return Page{}, timeout(ctx)
	}
	page := Page{Title: treeTitle(doc), Items: len(items)}
	var buf strings.Builder
	l := newLinks(q.n, base)
	l.done = ctx.Done()
	for i, item := range items {
		// One item's text and links can be most of the page.
		if ctx.Err() != nil {
			return Page{}, timeout(ctx)
		}
		if l.matchesItem(item, &buf) {
			rank := i + 1
			page.Rank = &rank
			break
		}
		if l.stopped {
			return Page{}, timeout(ctx)
		}
	}
	return page, nil
}

// treeTitle finds the first HTML-namespace <title>, so an SVG's <title>
// in the body does not stand in for a missing page title.
func treeTitle(doc *html.Node) string {
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Title && c.Namespace == "" {
				found = c
				return
			}
			walk(c)
		}
	}
	walk(doc)
	if found == nil {
		return ""
	}
	var b strings.Builder
	for c := found.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return collapseSpace(b.String())
}

// scanTitle tokenizes only as far as the first <title>, which is far
// cheaper than building the tree when no rank is asked.
func scanTitle(r io.Reader) (string, error) {
	z := html.NewTokenizer(r)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return "", err
			}
			return "", nil
		case html.StartTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) != atom.Title {
				if atom.Lookup(name) == atom.Svg || atom.Lookup(name) == atom.Math {
					skipForeign(z, atom.Lookup(name))
				}
				continue
			}
			var b strings.Builder
			for z.Next() == html.TextToken {
				b.Write(z.Text())
			}
			return collapseSpace(b.String()), nil
		}
	}
}

// skipForeign passes over an <svg> or <math> element, whose <title> is not
// the page's.
func skipForeign(z *html.Tokenizer, root atom.Atom) {
	depth := 1
	for depth > 0 {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == root {
				depth++
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == root {
				depth--
			}
		}
	}
}

func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
