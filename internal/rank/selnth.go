package rank

import (
	"fmt"
	"strings"

	"github.com/andybalholm/cascadia"
)

// The :nth family (:nth-child() to :only-of-type) at the top of a compound
// is matched by the matcher from each element's place among its siblings,
// counted once per parent. cascadia counts the siblings again for every
// element, so a list of n items cost n² steps: 8 s for 40,000 items of
// li:nth-last-child(n+1), minutes for 5 MB. Inside :not() they are still
// cascadia's, and left to the deadline.

// nthCond is one pseudo-class of the :nth family.
type nthCond struct {
	a, b   int
	last   bool // count from the last sibling
	ofType bool // count only siblings with the element's tag
	only   bool // :only-child, :only-of-type
}

// siblingPos is an element's place among its parent's element children.
type siblingPos struct {
	index, count         int // 1-based, and how many
	typeIndex, typeCount int // the same among those of its tag
}

// match is cascadia's nthChildMatch (and onlyChildPseudoClassSelector),
// given the counts.
func (c nthCond) match(p siblingPos) bool {
	i, n := p.index, p.count
	if c.ofType {
		i, n = p.typeIndex, p.typeCount
	}
	switch {
	case i == 0:
		return false // no place known: an element the streamer reads
	case c.only:
		return n == 1
	case c.last:
		i = n - i + 1
	}
	i -= c.b
	if c.a == 0 {
		return i == 0
	}
	return i%c.a == 0 && i/c.a >= 0
}

var nthNames = map[string]bool{
	"nth-child": true, "nth-last-child": true, "nth-of-type": true, "nth-last-of-type": true,
	"first-child": true, "last-child": true, "first-of-type": true, "last-of-type": true,
	"only-child": true, "only-of-type": true,
}

// nthConds takes the :nth family out of a compound of src: the
// conditions, for the matcher, and the text of each, which cascadia's part
// of the compound leaves out (see newCompound). Each condition comes from
// cascadia's own parse of the pseudo-class, printed:
// ":nth-last-child(2n-1)".
func nthConds(src string, p selPart) (conds []nthCond, cuts []span) {
	for _, u := range p.pseudos {
		if !nthNames[u.name] {
			continue
		}
		sel, err := cascadia.Parse(src[u.start:u.end] + " ")
		if err != nil {
			continue
		}
		c, ok := parseNth(sel.String())
		if !ok {
			continue
		}
		conds = append(conds, c)
		cuts = append(cuts, span{u.start, u.end})
	}
	return conds, cuts
}

// parseNth reads cascadia's printing of an :nth-family pseudo-class.
func parseNth(s string) (nthCond, bool) {
	switch s {
	case ":first-child":
		return nthCond{b: 1}, true
	case ":last-child":
		return nthCond{b: 1, last: true}, true
	case ":first-of-type":
		return nthCond{b: 1, ofType: true}, true
	case ":last-of-type":
		return nthCond{b: 1, last: true, ofType: true}, true
	case ":only-child":
		return nthCond{only: true}, true
	case ":only-of-type":
		return nthCond{only: true, ofType: true}, true
	}
	name, arg, ok := strings.Cut(strings.TrimPrefix(s, ":"), "(")
	if !ok || !nthNames[name] {
		return nthCond{}, false
	}
	var c nthCond
	if _, err := fmt.Sscanf(arg, "%dn%d)", &c.a, &c.b); err != nil {
		return nthCond{}, false
	}
	c.last = strings.Contains(name, "last")
	c.ofType = strings.HasSuffix(name, "of-type")
	return c, true
}
