package rank

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/andybalholm/cascadia"
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

// Extract reads a UTF-8 HTML page. With a nil spec it only looks for the
// title, which needs no document tree. baseURL (the page's final URL, may be
// nil) resolves relative links before they are compared with spec.Match.
//
// An item matches when its text, or the href of a link inside it (raw,
// resolved, percent-decoded, or its host in Unicode or ASCII form),
// contains spec.Match case-insensitively. An empty Match matches the first
// item. A selector that does not compile is a parse error wrapping
// ErrInvalidSelector.
//
// Well-formed pages and selectors that look only at an element and its
// ancestors are read in one streaming pass, which stops at the match once
// the rest of the page cannot change the answer; anything else gets the
// full HTML5 tree. Both give the same rank and title, except that a page
// nested deeper than the tree parser accepts (512) only after its match
// still gets its rank.
func Extract(page []byte, baseURL *url.URL, spec *crawler.RankSpec) (Page, error) {
	if spec == nil {
		title, err := scanTitle(bytes.NewReader(page))
		if err != nil {
			return Page{}, crawler.Errorf(crawler.ErrParse, "rank: read html: %w", err)
		}
		return Page{Title: title}, nil
	}
	sel, err := compile(spec.Selector)
	if err != nil {
		return Page{}, &crawler.FetchError{Type: crawler.ErrParse, Err: err}
	}
	n := newNeedle(spec.Match)
	if plan, ok := planStream(spec.Selector); ok {
		p, _, err := streamExtract(page, baseURL, sel, plan, n)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, errFallback) {
			return Page{}, crawler.Errorf(crawler.ErrParse, "rank: read html: %w", err)
		}
	}
	return treeExtract(page, baseURL, sel, n)
}

func treeExtract(page []byte, base *url.URL, sel cascadia.SelectorGroup, n needle) (Page, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return Page{}, crawler.Errorf(crawler.ErrParse, "rank: parse html: %w", err)
	}
	return rankDoc(doc, base, sel, n), nil
}

func rankDoc(doc *html.Node, base *url.URL, sel cascadia.SelectorGroup, n needle) Page {
	page := Page{Title: treeTitle(doc)}
	items := cascadia.QueryAll(doc, sel)
	page.Items = len(items)
	var buf strings.Builder
	l := newLinks(n, base)
	for i, item := range items {
		if l.matchesItem(item, &buf) {
			rank := i + 1
			page.Rank = &rank
			break
		}
	}
	return page
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
