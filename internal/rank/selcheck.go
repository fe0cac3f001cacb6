package rank

import (
	"fmt"
	"strings"
)

// Limits on a selector's shape. The matcher (selmatch.go) walks the
// combinators between compound selectors in linear time, but everything
// inside a compound is cascadia's, which tries every ancestor (for a
// descendant combinator) or every earlier sibling (for ~) afresh for each
// candidate, and searches a whole subtree for :has(). These limits keep the
// work for one element small enough that checking the deadline between
// elements ends a job on time; what is still quadratic over a whole page
// (:nth-last-child on a list of 100,000 siblings) is left to that deadline.
const (
	// MaxSelectorLength bounds the selector text, so a job cannot ship a
	// megabyte of :matches() regular expressions to every worker.
	MaxSelectorLength = 1024
	maxGroup          = 16 // selectors in a list ("a, b, c")
	maxCompounds      = 64 // compound selectors in all: one bit each in a matchState
	maxNesting        = 2  // pseudo-classes inside pseudo-class arguments: :not(:not(.a))
	// maxArgSearch bounds how many descendant or ~ combinators cascadia
	// tries in combination inside :not(): each multiplies the work for one
	// element by the page's depth (512 at most) or a parent's children.
	maxArgSearch = 1
)

// pseudoClasses are the pseudo-classes cascadia v1.3.4 knows, and whether
// :has() may hold them: inside :has() a pseudo-class runs once for each
// element of a subtree, so it must cost little for one element. Those that
// walk siblings (the :nth family, even :first-child, over comments),
// ancestors (:enabled, in fieldsets) or text (:contains) may not.
var pseudoClasses = map[string]bool{
	"not": true, "has": false, "haschild": false,
	"contains": false, "containsown": false, "matches": false, "matchesown": false,
	"nth-child": false, "nth-last-child": false, "nth-of-type": false, "nth-last-of-type": false,
	"first-child": false, "last-child": false, "first-of-type": false, "last-of-type": false,
	"only-child": false, "only-of-type": false,
	"enabled": false, "disabled": false, "lang": false,
	"input": true, "empty": true, "root": true, "link": true, "checked": true,
	"visited": true, "hover": true, "active": true, "focus": true, "target": true,
}

// camelCase spells the pseudo-classes that cascadia documents in camel
// case as users write them.
var camelCase = map[string]string{"matchesown": "matchesOwn", "containsown": "containsOwn"}

// pseudoElements are the names cascadia reads as pseudo-elements even
// after a single colon.
var pseudoElements = map[string]bool{
	"after": true, "backdrop": true, "before": true, "cue": true, "first-letter": true, "first-line": true,
	"grammar-error": true, "marker": true, "placeholder": true, "selection": true, "spelling-error": true,
}

// checkShape refuses what Compile will not match: syntax that cascadia
// lacks or reads differently from browsers, and shapes too costly to
// match. It runs before cascadia's parse, so an unsupported pseudo-class is
// named rather than reported as a syntax error.
func checkShape(g selGroup) string {
	if len(g) > maxGroup {
		return fmt.Sprintf("lists %d selectors; at most %d are allowed", len(g), maxGroup)
	}
	n := 0
	for _, c := range g {
		n += len(c)
	}
	if n > maxCompounds {
		return fmt.Sprintf("has %d compound selectors; at most %d are allowed", n, maxCompounds)
	}
	for _, c := range g {
		for _, p := range c {
			if why := checkRegexes(p, ""); why != "" {
				return why
			}
			for _, u := range p.pseudos {
				if _, why := checkPseudo(u, 0, ""); why != "" {
					return why
				}
			}
		}
	}
	return ""
}

// checkPseudo checks one pseudo-class and its argument. in is the
// searching pseudo-class (:has or :haschild) it stands in, if any. search
// counts the descendant and ~ combinators cascadia would try in
// combination to match it.
func checkPseudo(u pseudoUse, depth int, in string) (search int, why string) {
	name := ":" + u.name
	if n, ok := camelCase[u.name]; ok {
		name = ":" + n
	}
	if u.paren {
		name += "()"
	}
	cheap, known := pseudoClasses[u.name]
	switch {
	case u.element || pseudoElements[u.name]:
		return 0, fmt.Sprintf("uses the pseudo-element ::%s; an item must be an element", u.name)
	case u.name == "is" || u.name == "where" || u.name == "any" || strings.HasSuffix(u.name, "-any"):
		return 0, fmt.Sprintf("uses %s, which is not supported; list its selectors instead (\"a .x, a .y\" for \"a :is(.x, .y)\")", name)
	case !known:
		return 0, fmt.Sprintf("uses %s, which is not supported", name)
	case u.name == "lang":
		// cascadia's :lang() takes any ancestor's lang, not the nearest,
		// and compares it case-sensitively.
		return 0, "uses :lang(), which is not supported: it would not match as browsers do"
	case strings.HasPrefix(u.name, "nth-") && hasOf(u.arg):
		return 0, fmt.Sprintf("uses %s with \"of\", which is not supported", name)
	case u.lead != 0 && u.name == "has":
		return 0, fmt.Sprintf("uses :has(%c …), which is not supported: :has() takes a selector for descendants, such as :has(a.title)", u.lead)
	case u.lead != 0:
		return 0, fmt.Sprintf("uses %s starting with %q, which is not valid", name, u.lead)
	case in != "" && !cheap:
		return 0, fmt.Sprintf("uses %s inside :%s(), which is not supported: it is too costly to match there", name, in)
	case isRegexPseudo(u.name):
		return 0, checkRegex(name, u.arg)
	}
	if u.sub == nil {
		return 0, ""
	}
	if u.name == "not" && holdsRegex(u.sub) {
		// The matcher matches these arguments itself (selregex.go), one
		// compound at a time.
		for _, c := range u.sub {
			if len(c) > 1 {
				return 0, "uses a combinator inside a :not() that matches a regular expression (:matches(), :matchesOwn() or #=), which is not supported"
			}
		}
	}
	if depth+1 > maxNesting {
		return 0, fmt.Sprintf("nests pseudo-classes more than %d deep", maxNesting)
	}
	if u.name == "has" || u.name == "haschild" {
		in = u.name
	}
	for _, c := range u.sub {
		inner := 0
		for _, p := range c {
			if why := checkRegexes(p, in); why != "" {
				return 0, why
			}
			switch {
			case in == u.name && p.comb != 0:
				// cascadia matches the argument against the whole
				// page, where browsers take it relative to the element.
				return 0, fmt.Sprintf("uses a combinator inside :%s(), which is not supported: it would not match as browsers do", in)
			case in != "" && p.comb != 0:
				return 0, fmt.Sprintf("uses a combinator inside :%s() inside :%s(), which is not supported: it is too costly to match there", u.name, in)
			}
			for _, v := range p.pseudos {
				s, why := checkPseudo(v, depth+1, in)
				if why != "" {
					return 0, why
				}
				inner = max(inner, s)
			}
		}
		search = max(search, countSearch(c)+inner)
	}
	if search > maxArgSearch {
		return 0, fmt.Sprintf("uses more than %d descendant (space) or ~ combinator inside %s, counting nested ones; it is too costly to match", maxArgSearch, name)
	}
	return search, ""
}

func countSearch(c selComplex) int {
	n := 0
	for _, p := range c {
		if p.comb == ' ' || p.comb == '~' {
			n++
		}
	}
	return n
}

// hasOf reports whether an :nth-child() argument has an "of S" part.
func hasOf(arg string) bool {
	for _, f := range strings.Fields(strings.ToLower(arg)) {
		if f == "of" {
			return true
		}
	}
	return false
}
