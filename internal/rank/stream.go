package rank

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strings"

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
// plain markup only: elements closed by their end tags, plus the <p>, <li>,
// <dd>, <dt> and headings that HTML lets authors leave open. Misnested
// formatting, tables, forms in forms, foreign content and the like end in
// errFallback, and the tree parser reads the page instead.
type streamer struct {
	z     tokenizer
	m     *matcher
	links links // holds the needle
	ctx   context.Context
	done  <-chan struct{}

	doc, root, head, body html.Node
	mode                  int
	stack                 []*html.Node
	states                []matchState // the matcher's, one for each element of stack
	spare                 []*html.Node // nodes reused by depth

	started     bool // an element other than html, head and body was seen
	bodyStarted bool // ... and one in the body
	attrs       []html.Attribute

	open      []*openItem
	freeItems []*openItem // closed items, for newItem
	items     int
	best      int // 0-based index of the first matching item, -1 for none

	title     strings.Builder
	titleDone bool
	inTitle   bool

	// plan says what later markup could change once an item has matched
	// (see settled); framesetOK mirrors the tree builder's flag of that
	// name: while it holds, a later <frameset> would replace the whole body.
	plan       streamPlan
	framesetOK bool
	// rootTagAt is where the page next holds "<html" or "<body", -1 when
	// it holds neither further on, 0 when not yet looked for.
	rootTagAt int
}

type openItem struct {
	index, depth int
	text         []byte // up to maxItemText
	hrefs        []string
}

// streamExtract reads page in one streaming pass; stopped says whether it
// stopped at the match. q must stream (q.streams).
func streamExtract(ctx context.Context, page []byte, base *url.URL, q *Query) (p Page, stopped bool, err error) {
	z := newScanner(page)
	z.done = ctx.Done()
	p, stopped, err = streamWith(ctx, z, base, q)
	if errors.Is(err, errScanFallback) {
		p, stopped, err = streamWith(ctx, html.NewTokenizer(newPageReader(ctx, page)), base, q)
	}
	return p, stopped, err
}

func streamWith(ctx context.Context, z tokenizer, base *url.URL, q *Query) (Page, bool, error) {
	s := &streamer{z: z, m: q.m, plan: q.plan, links: newLinks(q.n, base), ctx: ctx, done: ctx.Done(), best: -1, framesetOK: true}
	s.links.done = s.done
	s.doc.Type = html.DocumentNode
	for _, e := range []struct {
		node   *html.Node
		a      atom.Atom
		parent *html.Node
	}{{&s.root, atom.Html, &s.doc}, {&s.head, atom.Head, &s.root}, {&s.body, atom.Body, &s.root}} {
		e.node.Type, e.node.DataAtom, e.node.Data, e.node.Parent = html.ElementNode, e.a, e.a.String(), e.parent
	}
	stopped, err := s.run()
	if err != nil {
		return Page{}, false, err
	}
	// The tree parser always makes html, head and body; a selector that
	// chooses one of them needs its place in document order.
	root := s.m.eval(&s.root, matchState{}, matchState{}, siblingPos{})
	if s.m.chooses(root) || s.m.chooses(s.m.eval(&s.head, root, matchState{}, siblingPos{})) || s.m.chooses(s.m.eval(&s.body, root, matchState{}, siblingPos{})) {
		return Page{}, false, errFallback
	}
	page2 := Page{Title: collapseSpace(s.title.String()), Items: s.items}
	if s.best >= 0 {
		r := s.best + 1
		page2.Rank = &r
	}
	return page2, stopped, nil
}

// run reads the page to its end, or until the answer is settled; stopped
// says which.
func (s *streamer) run() (stopped bool, err error) {
	for tokens := 0; !s.settled(); tokens++ {
		// A token costs little (a bounded copy of text, a match against
		// the open elements), so the deadline is looked at every few.
		if tokens%64 == 0 {
			select {
			case <-s.done:
				return false, s.ctx.Err()
			default:
			}
		}
		if s.links.stopped {
			// Closing an item matched its links, and ctx ended that.
			return false, s.ctx.Err()
		}
		switch s.z.Next() {
		case html.ErrorToken:
			if err := s.z.Err(); err != io.EOF {
				return false, err
			}
			for len(s.stack) > 0 {
				s.pop()
			}
			if s.links.stopped {
				return false, s.ctx.Err()
			}
			return false, nil
		case html.TextToken:
			// Most of a page is text no item or title holds; decoding
			// it (entities, newlines) would be most of the work.
			if s.mode == modeBody && len(s.open) == 0 && !s.inTitle {
				if s.framesetOK {
					s.noteBodyText(s.z.Text())
				}
				continue
			}
			if err := s.text(s.z.Text()); err != nil {
				return false, err
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			if err := s.start(); err != nil {
				return false, err
			}
		case html.EndTagToken:
			if err := s.end(); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// noteBodyText clears framesetOK on body text other than whitespace and
// NULs, as the tree builder does.
func (s *streamer) noteBodyText(t []byte) {
	if top := s.top(); top != nil && rawText(top.DataAtom) {
		return
	}
	if len(bytes.TrimLeft(t, whitespace+"\x00")) > 0 {
		s.framesetOK = false
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
		if s.framesetOK {
			s.noteBodyText(t)
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
		if room := maxItemText - len(it.text); room > 0 && (s.best < 0 || it.index < s.best) {
			it.text = append(it.text, t[:min(len(t), room)]...)
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
	name, _ := s.z.TagName()
	a := atom.Lookup(name)
	data := a.String()
	if a == 0 {
		data = string(name)
	}
	attrs := s.attrs[:0]
	href, hasHref := "", false
	for n, more := 1, true; more; n++ {
		var k, v []byte
		if k, v, more = s.z.TagAttr(); k == nil {
			break // no attributes
		}
		// One tag can hold most of the page.
		if n%1024 == 0 {
			select {
			case <-s.done:
				return s.ctx.Err()
			default:
			}
		}
		if (a == atom.A || a == atom.Area) && string(k) == "href" {
			href, hasHref = string(v), true
		}
		for _, want := range s.plan.keys {
			if string(k) == want {
				attrs = append(attrs, html.Attribute{Key: want, Val: string(v)})
			}
		}
	}
	s.attrs = attrs
	switch a {
	case atom.Html:
		return s.merge(&s.root, attrs, s.started)
	case atom.Head:
		if s.mode == modeBeforeHead {
			s.mode = modeInHead
			return s.merge(&s.head, attrs, s.started)
		}
		return nil
	case atom.Body:
		s.framesetOK = false // as the tree builder does for every <body> tag
		if s.mode != modeBody {
			if err := s.enterBody(); err != nil {
				return err
			}
		}
		return s.merge(&s.body, attrs, s.bodyStarted)
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
		if endsFramesetOK(a) {
			s.framesetOK = false
		}
		s.bodyStarted = true
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
	state := s.m.eval(node, s.parentState(), matchState{}, siblingPos{})
	if s.m.chooses(state) {
		// Each open item keeps its own copy of the text below it; deep
		// nests of items would make that quadratic, so the tree, which
		// reads text on demand, takes them.
		if len(s.open) >= maxOpenItems {
			return errFallback
		}
		item = s.newItem(s.items, len(s.stack)+1)
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
	s.states = append(s.states, state)
	if a == atom.Title && !s.titleDone {
		s.inTitle = true
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
	s.states = s.states[:len(s.states)-1]
}

// parentState is the matcher's state of the element a new element goes
// into. Sibling combinators do not stream, so only ancestors count. html,
// head and body are matched afresh each time: a later tag may still add
// attributes to them (merge).
func (s *streamer) parentState() matchState {
	if n := len(s.states); n > 0 {
		return s.states[n-1]
	}
	root := s.m.eval(&s.root, matchState{}, matchState{}, siblingPos{})
	if s.mode == modeBody {
		return s.m.eval(&s.body, root, matchState{}, siblingPos{})
	}
	return s.m.eval(&s.head, root, matchState{}, siblingPos{})
}

// closeItems judges the open items whose element sits at depth.
func (s *streamer) closeItems(depth int) {
	for len(s.open) > 0 {
		it := s.open[len(s.open)-1]
		if it.depth != depth {
			return
		}
		s.open = s.open[:len(s.open)-1]
		if (s.best < 0 || it.index < s.best) && s.matches(it) {
			s.best = it.index
		}
		s.freeItems = append(s.freeItems, it)
	}
}

// newItem is an open item, reusing a closed one's buffers: a results page
// opens dozens of items, each collecting up to maxItemText of text.
func (s *streamer) newItem(index, depth int) *openItem {
	if n := len(s.freeItems); n > 0 {
		it := s.freeItems[n-1]
		s.freeItems = s.freeItems[:n-1]
		*it = openItem{index: index, depth: depth, text: it.text[:0], hrefs: it.hrefs[:0]}
		return it
	}
	return &openItem{index: index, depth: depth}
}

func (s *streamer) matches(it *openItem) bool {
	if n := s.links.n; n.text == "" || n.matchesText(string(it.text)) {
		return true
	}
	for _, h := range it.hrefs {
		if s.links.matches(h) {
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
