package rank

import (
	"sort"
	"strings"

	"github.com/andybalholm/cascadia"
)

// Query is a compiled rank request: a validated, bounded selector and the
// match string. It is immutable, so one Query may serve many pages at once.
type Query struct {
	selector string
	m        *matcher
	n        needle
	plan     streamPlan
	streams  bool // the streaming reader can match the selector
}

// Compile validates and compiles selector once; errors wrap
// ErrInvalidSelector and give a reason a user can act on. match is the
// text or link an item must contain (see Extract).
func Compile(selector, match string) (*Query, error) {
	m, err := compileSelector(selector)
	if err != nil {
		return nil, err
	}
	q := &Query{selector: selector, m: m, n: newNeedle(match)}
	q.plan, q.streams = planStream(selector)
	return q, nil
}

// ValidateSelector reports whether sel is a CSS selector Compile accepts.
// Errors wrap ErrInvalidSelector and say what is wrong.
func ValidateSelector(sel string) error {
	_, err := compileSelector(sel)
	return err
}

func compileSelector(sel string) (*matcher, error) {
	switch {
	case strings.TrimSpace(sel) == "":
		return nil, refuse("", "is empty")
	case len(sel) > MaxSelectorLength:
		return nil, refuse("", "is longer than %d bytes", MaxSelectorLength)
	}
	g, ok := lexGroup(sel)
	if why := checkShape(g); why != "" {
		return nil, refuse(sel, "%s", why)
	}
	if _, err := cascadia.ParseGroup(sel); err != nil {
		return nil, refuse(sel, "is not valid CSS: %v", err)
	}
	if !ok {
		return nil, refuse(sel, "could not be read unambiguously; simplify its escapes or quotes")
	}
	src := rewrite(sel, g)
	if src != sel {
		if g, ok = lexGroup(src); !ok {
			return nil, refuse(sel, "could not be read unambiguously; simplify its escapes or quotes")
		}
	}
	m, err := newMatcher(src, g)
	if err != nil {
		return nil, refuse(sel, "could not be read unambiguously; simplify its escapes or quotes")
	}
	return m, nil
}

// fixes make pseudo-classes that cascadia reads differently from browsers
// (and from css-select, which the original service used) mean what they
// mean there, by adding a condition after each.
var fixes = map[string]string{
	// cascadia takes an element holding only white space as empty.
	"empty": ":matchesOwn(^$)",
	// cascadia also counts <link href> as a link, and links as enabled.
	"link":    ":not(link)",
	"enabled": ":not(a, area, link)",
}

// rewrite adds the fixes to sel.
func rewrite(sel string, g selGroup) string {
	var at []pseudoUse
	var collect func(selGroup)
	collect = func(g selGroup) {
		for _, c := range g {
			for _, p := range c {
				for _, u := range p.pseudos {
					if _, ok := fixes[u.name]; ok && !u.paren {
						at = append(at, u)
					}
					collect(u.sub)
				}
			}
		}
	}
	collect(g)
	if len(at) == 0 {
		return sel
	}
	sort.Slice(at, func(i, j int) bool { return at[i].end < at[j].end })
	var b strings.Builder
	last := 0
	for _, u := range at {
		b.WriteString(sel[last:u.end])
		b.WriteString(fixes[u.name])
		last = u.end
	}
	b.WriteString(sel[last:])
	return b.String()
}
