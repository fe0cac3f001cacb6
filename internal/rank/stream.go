package rank

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// errFallback means the page uses markup whose tree the streaming reader
// does not model; the caller parses the full tree instead. The reader gives
// up on anything doubtful, so when it does answer, its answer is the tree
// parser's (FuzzStreamAgrees checks this).
var errFallback = errors.New("rank: fall back to the tree parser")

const (
	modeBeforeHead = iota
	modeInHead
	modeAfterHead
	modeBody
)

// streamer finds items while tokenizing, without building the document
// tree. It keeps only the chain of open elements, which is all a selector
// accepted by streamKeys looks at, and models the HTML tree builder for
// well-formed markup only: an end tag that does not close the current
// element, a tag that would close others implicitly, and tables, forms in
// forms, foreign content and the like all end in errFallback. Page
// generators emit such well-formed lists; the tree parser handles the rest.
type streamer struct {
	z      *html.Tokenizer
	sel    cascadia.SelectorGroup
	keys   []string
	needle needle
	base   *url.URL

	doc, root, head, body html.Node
	mode                  int
	stack                 []*html.Node
	spare                 []*html.Node // nodes reused by depth

	started bool // an element below html, head and body was seen
	attrs   []html.Attribute

	open  []*openItem
	items int
	best  int // 0-based index of the first matching item, -1 for none

	title     strings.Builder
	titleDone bool
	inTitle   bool
}

type openItem struct {
	index, depth int
	text         strings.Builder
	hrefs        []string
}

func streamExtract(page []byte, base *url.URL, sel cascadia.SelectorGroup, keys []string, n needle) (Page, error) {
	s := &streamer{z: html.NewTokenizer(bytes.NewReader(page)), sel: sel, keys: keys, needle: n, base: base, best: -1}
	s.doc.Type = html.DocumentNode
	for _, e := range []struct {
		node   *html.Node
		a      atom.Atom
		parent *html.Node
	}{{&s.root, atom.Html, &s.doc}, {&s.head, atom.Head, &s.root}, {&s.body, atom.Body, &s.root}} {
		e.node.Type, e.node.DataAtom, e.node.Data, e.node.Parent = html.ElementNode, e.a, e.a.String(), e.parent
	}
	if err := s.run(); err != nil {
		return Page{}, err
	}
	// The tree parser always makes html, head and body; a selector that
	// chooses one of them needs its place in document order.
	if s.sel.Match(&s.root) || s.sel.Match(&s.head) || s.sel.Match(&s.body) {
		return Page{}, errFallback
	}
	page2 := Page{Title: collapseSpace(s.title.String()), Items: s.items}
	if s.best >= 0 {
		r := s.best + 1
		page2.Rank = &r
	}
	return page2, nil
}

func (s *streamer) run() error {
	for {
		switch s.z.Next() {
		case html.ErrorToken:
			if err := s.z.Err(); err != io.EOF {
				return err
			}
			for len(s.stack) > 0 {
				s.pop()
			}
			return nil
		case html.TextToken:
			// Most of a page is text no item or title holds; decoding
			// it (entities, newlines) would be most of the work.
			if s.mode == modeBody && len(s.open) == 0 && !s.inTitle {
				continue
			}
			if err := s.text(s.z.Text()); err != nil {
				return err
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			if err := s.start(); err != nil {
				return err
			}
		case html.EndTagToken:
			if err := s.end(); err != nil {
				return err
			}
		}
	}
}

func (s *streamer) top() *html.Node {
	if len(s.stack) == 0 {
		return nil
	}
	return s.stack[len(s.stack)-1]
}

func (s *streamer) parent() *html.Node {
	if t := s.top(); t != nil {
		return t
	}
	if s.mode == modeBody {
		return &s.body
	}
	return &s.head
}

func (s *streamer) text(t []byte) error {
	top := s.top()
	raw := top != nil && rawText(top.DataAtom)
	if !raw {
		if s.mode != modeBody {
			if len(bytes.TrimLeft(t, whitespace)) == 0 {
				return nil
			}
			if err := s.enterBody(); err != nil {
				return err
			}
		}
		// The tree builder drops NULs from body text.
		if bytes.IndexByte(t, 0) >= 0 {
			t = bytes.ReplaceAll(t, []byte{0}, nil)
		}
	}
	if s.inTitle {
		s.title.Write(t)
	}
	if top != nil && (top.DataAtom == atom.Script || top.DataAtom == atom.Style) {
		return nil // not part of an item's text
	}
	for _, it := range s.open {
		if room := maxItemText - it.text.Len(); room > 0 && (s.best < 0 || it.index < s.best) {
			it.text.Write(t[:min(len(t), room)])
		}
	}
	return nil
}

const whitespace = " \t\r\n\f"

const maxOpenItems = 16

func (s *streamer) enterBody() error {
	if len(s.stack) > 0 {
		return errFallback
	}
	s.mode = modeBody
	return nil
}

func (s *streamer) start() error {
	name, more := s.z.TagName()
	a := atom.Lookup(name)
	data := a.String()
	if a == 0 {
		data = string(name)
	}
	attrs := s.attrs[:0]
	href, hasHref := "", false
	for more {
		var k, v []byte
		k, v, more = s.z.TagAttr()
		if (a == atom.A || a == atom.Area) && string(k) == "href" {
			href, hasHref = string(v), true
		}
		for _, want := range s.keys {
			if string(k) == want {
				attrs = append(attrs, html.Attribute{Key: want, Val: string(v)})
			}
		}
	}
	s.attrs = attrs
	switch a {
	case atom.Html:
		return s.merge(&s.root, attrs)
	case atom.Head:
		if s.mode == modeBeforeHead {
			s.mode = modeInHead
			return s.merge(&s.head, attrs)
		}
		return nil
	case atom.Body:
		if s.mode != modeBody {
			if err := s.enterBody(); err != nil {
				return err
			}
		}
		return s.merge(&s.body, attrs)
	}
	if s.mode != modeBody {
		switch {
		case headElement(a) && s.mode != modeAfterHead:
			s.mode = modeInHead
		case headElement(a), a == atom.Template, a == atom.Frameset:
			return errFallback
		default:
			if err := s.enterBody(); err != nil {
				return err
			}
		}
	}
	if s.mode == modeBody {
		if err := s.prepareBodyStart(a); err != nil {
			return err
		}
	}
	s.started = true
	// html, head or body plus the open elements plus this one: the tree
	// parser refuses documents nested deeper than 512.
	if len(s.stack)+3 > 512 {
		return errFallback
	}
	node := s.spareNode(len(s.stack))
	node.Type, node.Data, node.DataAtom = html.ElementNode, data, a
	node.Attr = append(node.Attr[:0], attrs...)
	node.Parent = s.parent()
	var item *openItem
	if s.sel.Match(node) {
		// Each open item keeps its own copy of the text below it; deep
		// nests of items would make that quadratic, so the tree, which
		// reads text on demand, takes them.
		if len(s.open) >= maxOpenItems {
			return errFallback
		}
		item = &openItem{index: s.items, depth: len(s.stack) + 1}
		s.items++
		s.open = append(s.open, item)
	}
	if hasHref {
		for _, it := range s.open {
			it.hrefs = append(it.hrefs, href)
		}
	}
	if voidElement(a) {
		if item != nil {
			s.closeItems(len(s.stack) + 1)
		}
		return nil
	}
	s.stack = append(s.stack, node)
	if a == atom.Title && !s.titleDone {
		s.inTitle = true
	}
	return nil
}

// prepareBodyStart does what the tree builder does before inserting a
// start tag in the body, in the simple cases: an open <p>, <li>, <dd>,
// <dt> or heading is closed. Cases that would close formatting elements
// (which the builder reopens later) or switch insertion mode give up.
func (s *streamer) prepareBodyStart(a atom.Atom) error {
	switch a {
	case atom.Table, atom.Caption, atom.Col, atom.Colgroup, atom.Tbody, atom.Td, atom.Tfoot, atom.Th,
		atom.Thead, atom.Tr, atom.Select, atom.Option, atom.Optgroup, atom.Template, atom.Frameset,
		atom.Frame, atom.Svg, atom.Math, atom.Image, atom.Plaintext, atom.Pre, atom.Listing,
		atom.Textarea, atom.Xmp, atom.Rb, atom.Rp, atom.Rt, atom.Rtc:
		return errFallback
	case atom.A, atom.Nobr, atom.Button, atom.Form:
		if s.openElement(a) {
			return errFallback
		}
	case atom.Li:
		if err := s.closeListItem(atom.Li, 0); err != nil {
			return err
		}
	case atom.Dd, atom.Dt:
		if err := s.closeListItem(atom.Dd, atom.Dt); err != nil {
			return err
		}
	}
	if closesP(a) && s.openElement(atom.P) {
		if s.top().DataAtom != atom.P {
			return errFallback
		}
		s.pop()
	}
	if heading(a) {
		if t := s.top(); t != nil && heading(t.DataAtom) {
			s.pop()
		}
	}
	return nil
}

// closeListItem is the tree builder's walk for a new <li> (or <dd>, <dt>):
// an open one reached before any special element other than address, div
// and p is closed with everything above it. Only those three may be
// above it here; anything else there gives up.
func (s *streamer) closeListItem(a1, a2 atom.Atom) error {
	ordinary := false
	for i := len(s.stack) - 1; i >= 0; i-- {
		switch n := s.stack[i].DataAtom; {
		case n == a1 || (a2 != 0 && n == a2):
			if ordinary {
				return errFallback
			}
			for len(s.stack) > i {
				s.pop()
			}
			return nil
		case n == atom.Address || n == atom.Div || n == atom.P:
		case special(n):
			return nil
		default:
			ordinary = true
		}
	}
	return nil
}

func (s *streamer) end() error {
	name, _ := s.z.TagName()
	a := atom.Lookup(name)
	if t := s.top(); t != nil && t.Data == string(name) {
		s.pop()
		return nil
	}
	switch {
	case a == atom.Br:
		return errFallback
	case s.mode == modeBody:
		return s.bodyEnd(a)
	case a == atom.Head:
		if s.mode != modeAfterHead && len(s.stack) == 0 {
			s.mode = modeAfterHead
		}
		return nil
	case a == atom.Body || a == atom.Html:
		return s.enterBody()
	}
	return nil // other end tags before the body are ignored
}

// bodyEnd handles an end tag that does not close the current element: the
// tree builder also closes the <p>, <li>, <dd> and <dt> elements above the
// one it ends (the common "<div><p>text</div>"). Anything else gives up.
func (s *streamer) bodyEnd(a atom.Atom) error {
	var implied func(atom.Atom) bool
	switch {
	case a == atom.Body || a == atom.Html:
		return nil
	case blockEnd(a), heading(a):
		implied = func(n atom.Atom) bool { return n == atom.P || n == atom.Li || n == atom.Dd || n == atom.Dt }
	case a == atom.Li:
		implied = func(n atom.Atom) bool { return n == atom.P || n == atom.Dd || n == atom.Dt }
	case a == atom.Dd || a == atom.Dt:
		implied = func(n atom.Atom) bool { return n == atom.P || n == atom.Li }
	default:
		return errFallback
	}
	i := len(s.stack) - 1
	for i >= 0 && implied(s.stack[i].DataAtom) {
		i--
	}
	// A heading end tag closes the nearest heading of any level.
	if i < 0 || !(s.stack[i].DataAtom == a || heading(a) && heading(s.stack[i].DataAtom)) {
		return errFallback
	}
	for len(s.stack) > i {
		s.pop()
	}
	return nil
}

func (s *streamer) pop() {
	n := s.stack[len(s.stack)-1]
	if n.DataAtom == atom.Title && s.inTitle {
		s.inTitle, s.titleDone = false, true
	}
	s.closeItems(len(s.stack))
	s.stack = s.stack[:len(s.stack)-1]
}

// closeItems judges the open items whose element sits at depth.
func (s *streamer) closeItems(depth int) {
	for len(s.open) > 0 {
		it := s.open[len(s.open)-1]
		if it.depth != depth {
			return
		}
		s.open = s.open[:len(s.open)-1]
		if s.best >= 0 && it.index > s.best {
			continue
		}
		if s.matches(it) {
			s.best = it.index
		}
	}
}

func (s *streamer) matches(it *openItem) bool {
	if s.needle.text == "" || s.needle.matchesText(it.text.String()) {
		return true
	}
	for _, h := range it.hrefs {
		if s.needle.matchesHref(h, s.base) {
			return true
		}
	}
	return false
}

func (s *streamer) spareNode(depth int) *html.Node {
	for len(s.spare) <= depth {
		s.spare = append(s.spare, new(html.Node))
	}
	return s.spare[depth]
}

func (s *streamer) openElement(a atom.Atom) bool {
	for _, n := range s.stack {
		if n.DataAtom == a {
			return true
		}
	}
	return false
}

// merge adds attributes of a repeated <html> or <body> tag, as the tree
// builder does. Elements already matched were judged without them, so a
// late change means starting over with the tree.
func (s *streamer) merge(n *html.Node, attrs []html.Attribute) error {
next:
	for _, a := range attrs {
		for _, have := range n.Attr {
			if have.Key == a.Key {
				continue next
			}
		}
		if s.started {
			return errFallback
		}
		n.Attr = append(n.Attr, a)
	}
	return nil
}
