package htmltree

import (
	"fmt"
	"io"

	"golang.org/x/net/html"
)

// Limits bound what one parse may spend beyond the page's own tokens.
type Limits struct {
	// CopyBytes bounds the bytes of the elements the parser makes as
	// copies of others: formatting elements re-opened after their
	// parent closed, and those the adoption agency moves.
	CopyBytes int
	// Steps bounds the parser's searches of its list of active formatting
	// elements and its merges of repeated <html> and <body> attributes,
	// counted per entry looked at.
	Steps int
}

// Sizes of a copy on 64-bit platforms: an html.Node (its size class) and
// an html.Attribute.
const (
	nodeBytes      = 112
	attributeBytes = 48
)

// LimitError is Parse's answer when a page costs more than its Limits.
type LimitError struct {
	What  string // "copies" or "steps"
	Limit int
}

func (e *LimitError) Error() string {
	if e.What == "copies" {
		return fmt.Sprintf("htmltree: the page makes the parser copy elements past %d MB", e.Limit>>20)
	}
	return fmt.Sprintf("htmltree: the page makes the parser search and merge past %d steps", e.Limit)
}

// Parse is x/net/html's Parse (scripting enabled): the same tree for the
// same page, or a *LimitError once the page costs more than limits allow.
// Zero limits mean no limit. Like html.Parse, it refuses a page nested
// deeper than 512 elements.
func Parse(r io.Reader, limits Limits) (*html.Node, error) {
	p := &parser{
		tokenizer:  html.NewTokenizer(r),
		doc:        &html.Node{Type: html.DocumentNode},
		scripting:  true,
		framesetOK: true,
		im:         initialIM,
		limits:     limits,
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.doc, nil
}

// copy charges a copy of n; past the limit the parse stops (parse turns
// the panic into its error).
func (p *parser) copy(n *html.Node) {
	p.copied += nodeBytes + attributeBytes*len(n.Attr)
	if p.limits.CopyBytes > 0 && p.copied > p.limits.CopyBytes {
		panic(&LimitError{What: "copies", Limit: p.limits.CopyBytes})
	}
}

// spend charges n steps; past the limit the parse stops.
func (p *parser) spend(n int) {
	p.steps += n
	if p.limits.Steps > 0 && p.steps > p.limits.Steps {
		panic(&LimitError{What: "steps", Limit: p.limits.Steps})
	}
}

func (p *parser) afeIndex(n *html.Node) int {
	p.spend(len(p.afe))
	return p.afe.index(n)
}

func (p *parser) afeRemove(n *html.Node) {
	p.spend(len(p.afe))
	p.afe.remove(n)
}

// htmlIntegrationPoint charges the search of an <annotation-xml>'s
// attributes, which the parser repeats for every token inside it.
func (p *parser) htmlIntegrationPoint(n *html.Node) bool {
	p.spend(len(n.Attr))
	return htmlIntegrationPoint(n)
}
