package rank

import (
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The HTML tree builder's rules, as far as the streaming reader follows
// them: what happens to open elements when a start or end tag arrives in
// the body, for the cases it models, and errFallback for the rest.

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

func (s *streamer) openElement(a atom.Atom) bool {
	for _, n := range s.stack {
		if n.DataAtom == a {
			return true
		}
	}
	return false
}

// merge adds the attributes of an <html>, <head> or <body> tag, as the
// tree builder does. When elements below it were already judged without
// them (judged says so), a change means starting over with the tree.
// Both lists hold only names the selector reads, each once, but a
// selector can read a few hundred; past a few, the names are looked up in
// a set rather than compared pair by pair.
func (s *streamer) merge(n *html.Node, attrs []html.Attribute, judged bool) error {
	var have map[string]bool
	if len(n.Attr) > 0 && len(n.Attr)*len(attrs) > 256 {
		have = make(map[string]bool, len(n.Attr)+len(attrs))
		for _, a := range n.Attr {
			have[a.Key] = true
		}
	}
	for _, a := range attrs {
		if have != nil && have[a.Key] || have == nil && hasAttr(n, a.Key) {
			continue
		}
		if judged {
			return errFallback
		}
		n.Attr = append(n.Attr, a)
		if have != nil {
			have[a.Key] = true
		}
	}
	return nil
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
