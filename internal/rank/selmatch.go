package rank

import (
	"context"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// matcher matches a selector list in one pass over the tree, in document
// order, deciding each element from its parent's and its previous
// sibling's state. cascadia matches a compound selector (".r:not(.ad)")
// against one element, but for its :nth family and regular expressions
// (see compound); the combinators between compounds are the matcher's
// own. cascadia's combinators try every ancestor (or earlier sibling)
// afresh for each candidate, which costs depth^k for k descendant
// combinators and hangs a worker on a deep page; here each compound is
// matched at most once per element.
type matcher struct {
	parts []matchPart // every compound of every selector in the list, in order
	// subjects has the bit of each selector's last compound: an element
	// whose state has one of them is an item.
	subjects uint64
	// What the parts' :nth conditions need counted: the siblings after an
	// element (last), and those of its tag (ofType).
	last, ofType bool
}

type matchPart struct {
	compound
	comb byte // how the previous part must have matched: 0 (this part starts a selector), ' ', '>', '+' or '~'
}

// matchState is an element's state, one bit per part. m: the parts whose
// selector, up to that part, matches the element itself. a: those that
// match it or an ancestor, which its descendants look at. p: those that
// match it or an earlier sibling, which its later siblings look at.
type matchState struct{ m, a, p uint64 }

// newMatcher builds the matcher for src, split into g by lexGroup. Each
// compound is parsed by cascadia alone, and the split is checked against
// cascadia's parse of the whole list: both must print the same. A split
// that differed would change what the selector means, so it is refused
// rather than used.
func newMatcher(src string, g selGroup) (*matcher, error) {
	whole, err := cascadia.ParseGroup(src)
	if err != nil {
		return nil, err
	}
	if len(whole) != len(g) {
		return nil, errSplit
	}
	m := &matcher{}
	for i, c := range g {
		var printed strings.Builder
		for j, p := range c {
			// The space lets "*|*" end the text, as in the list: cascadia
			// reads "|*" only when something follows it.
			sel, err := cascadia.Parse(src[p.start:p.end] + " ")
			if err != nil {
				return nil, errSplit
			}
			if j > 0 {
				printed.WriteString(" " + string(p.comb) + " ")
			}
			printed.WriteString(sel.String())
			part := matchPart{comb: p.comb}
			if part.compound, err = newCompound(src, p, true); err != nil {
				return nil, errSplit
			}
			for _, c := range part.nth {
				m.last = m.last || c.last || c.only
				m.ofType = m.ofType || c.ofType
			}
			m.parts = append(m.parts, part)
		}
		if printed.String() != whole[i].String() {
			return nil, errSplit
		}
		m.subjects |= 1 << (len(m.parts) - 1)
	}
	return m, nil
}

// eval is the state of element n, whose parent has state up, whose
// previous element sibling has state prev (zero for none), and which has
// place pos among its siblings. A part is matched only where its
// combinator's relation holds.
func (m *matcher) eval(n *html.Node, up, prev matchState, pos siblingPos) matchState {
	var hit uint64
parts:
	for j := range m.parts {
		part := &m.parts[j]
		if part.comb != 0 {
			var have uint64
			switch part.comb {
			case ' ':
				have = up.a
			case '>':
				have = up.m
			case '~':
				have = prev.p
			case '+':
				have = prev.m
			}
			if have&(1<<(j-1)) == 0 {
				continue
			}
		}
		for _, c := range part.nth {
			if !c.match(pos) {
				continue parts
			}
		}
		if part.match(n) {
			hit |= 1 << j
		}
	}
	return matchState{m: hit, a: up.a | hit, p: prev.p | hit}
}

func (m *matcher) chooses(s matchState) bool { return s.m&m.subjects != 0 }

// queryAll returns the elements below doc that the selector chooses, in
// document order. Unlike cascadia.QueryAll it looks at elements only (a
// text node is no item, though cascadia's :contains() matches one), and
// it checks ctx at every element: one element can cost a walk over all of
// a parent's children (:nth-last-child) or of a subtree (:has()).
func (m *matcher) queryAll(ctx context.Context, doc *html.Node) ([]*html.Node, error) {
	done := ctx.Done()
	var items []*html.Node
	var walk func(parent *html.Node, up matchState) error
	walk = func(parent *html.Node, up matchState) error {
		var prev matchState
		count, typeCount, typeSeen := m.countChildren(parent)
		var pos siblingPos
		for c := parent.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			select {
			case <-done:
				return ctx.Err()
			default:
			}
			pos.index++
			pos.count = count
			if typeSeen != nil {
				typeSeen[c.Data]++
				pos.typeIndex, pos.typeCount = typeSeen[c.Data], typeCount[c.Data]
			}
			s := m.eval(c, up, prev, pos)
			if m.chooses(s) {
				items = append(items, c)
			}
			if err := walk(c, s); err != nil {
				return err
			}
			prev = s
		}
		return nil
	}
	if err := walk(doc, matchState{}); err != nil {
		return nil, err
	}
	return items, nil
}

// countChildren counts parent's element children, in all and by tag, as
// far as the :nth conditions need; typeSeen is for counting them again
// as the walk passes them.
func (m *matcher) countChildren(parent *html.Node) (count int, typeCount, typeSeen map[string]int) {
	if m.ofType {
		typeSeen = map[string]int{}
		if m.last {
			typeCount = map[string]int{}
		}
	}
	if !m.last {
		return 0, typeCount, typeSeen
	}
	for c := parent.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			count++
			if typeCount != nil {
				typeCount[c.Data]++
			}
		}
	}
	return count, typeCount, typeSeen
}
