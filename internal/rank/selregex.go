package rank

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// Regular expressions (cascadia's :matches(), :matchesOwn() and
// [name#=regex]) cost the length of the text times the size of the
// compiled program, Go's regexp being linear in each, and one element's
// match cannot be stopped half way: p:matches([a-z]{999}z) took 167 s over
// 5 MB of text. Compile refuses programs over maxRegexInsts, and the
// matcher, not cascadia, matches them, against at most maxRegexText of an
// element's text or an attribute's value. The two bounds make one match
// at most about 6.5 million steps, some 0.1 to 0.2 s here: how long a job
// can run past its deadline while one element is matched.
const (
	// maxRegexInsts bounds a regular expression's compiled program
	// (regexp/syntax, simplified as regexp.Compile does). It leaves room
	// for what selectors use (^\d+\. is 6, (?i)sponsored|advert 18,
	// thirteen words in an alternation 65) and refuses large counted
	// repeats: [a-z]{999} alone is 1,001.
	maxRegexInsts = 100
	// maxRegexText bounds the text a regular expression is matched
	// against: a result item's text is far shorter, and only containers
	// of many items reach it.
	maxRegexText = 64 << 10
)

// regexInsts is the size of expr's compiled program, as regexp.Compile
// builds it.
func regexInsts(expr string) (int, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return 0, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, err
	}
	return len(prog.Inst), nil
}

// checkRegex says why Compile refuses a regular expression used by what
// (":matches()", "[title#=…]"), or "". One that does not parse is left to
// cascadia's parse, which says why.
func checkRegex(what, expr string) string {
	n, err := regexInsts(expr)
	if err != nil || n <= maxRegexInsts {
		return ""
	}
	return fmt.Sprintf("uses %s with a regular expression too costly to match: it compiles to %d steps, at most %d are allowed; "+
		"shorten it (a repeat such as [a-z]{50} counts 50)", what, n, maxRegexInsts)
}

// checkRegexes checks the regular expressions of a compound's attribute
// selectors; in is the searching pseudo-class the compound stands in, if
// any.
func checkRegexes(p selPart, in string) string {
	for _, a := range p.regexAttrs {
		what := "[" + a.key + "#=…]"
		if in != "" {
			return fmt.Sprintf("uses %s inside :%s(), which is not supported: it is too costly to match there", what, in)
		}
		if why := checkRegex(what, a.regex); why != "" {
			return why
		}
	}
	return ""
}

// holdsRegex reports whether a selector list matches a regular expression
// anywhere in it.
func holdsRegex(g selGroup) bool {
	for _, c := range g {
		for _, p := range c {
			if len(p.regexAttrs) > 0 {
				return true
			}
			for _, u := range p.pseudos {
				if isRegexPseudo(u.name) || holdsRegex(u.sub) {
					return true
				}
			}
		}
	}
	return false
}

func isRegexPseudo(name string) bool { return name == "matches" || name == "matchesown" }

// compound is one compound selector as the matcher matches it: cascadia
// matches most of it (sel), and the matcher the rest. nth is the :nth
// family at its top (selnth.go); text its regular expressions; not the
// arguments of its :not() pseudo-classes that hold one, each a list of
// compounds none of which may match.
type compound struct {
	sel  cascadia.Sel
	nth  []nthCond
	text []textCond
	not  [][]compound
}

// textCond is a regular expression matched against an element's text
// (all of it, or its own text nodes') or an attribute's value.
type textCond struct {
	rx   *regexp.Regexp
	own  bool   // :matchesOwn()
	attr string // [attr#=…]; "" for text
}

// newCompound builds the compound p of src. top says it is a compound of
// the selector list itself rather than of a :not() argument, where the
// :nth family stays cascadia's. Each regular expression is the one
// cascadia compiles, its text checked against cascadia's printing of it.
func newCompound(src string, p selPart, top bool) (compound, error) {
	var c compound
	var cuts []span
	if top {
		c.nth, cuts = nthConds(src, p)
	}
	for _, u := range p.pseudos {
		switch {
		case isRegexPseudo(u.name):
			printed := ":matches("
			if u.name == "matchesown" {
				printed = ":matchesOwn("
			}
			rx, err := cascadiaRegex(src[u.start:u.end], printed+u.arg+")", u.arg)
			if err != nil {
				return c, err
			}
			c.text = append(c.text, textCond{rx: rx, own: u.name == "matchesown"})
		case u.name == "not" && holdsRegex(u.sub):
			var alts []compound
			for _, sub := range u.sub {
				if len(sub) != 1 {
					return c, errSplit // checkShape refuses combinators here
				}
				alt, err := newCompound(src, sub[0], false)
				if err != nil {
					return c, err
				}
				alts = append(alts, alt)
			}
			c.not = append(c.not, alts)
		default:
			continue
		}
		cuts = append(cuts, span{u.start, u.end})
	}
	for _, a := range p.regexAttrs {
		printed := "[" + a.key + "#=" + a.regex
		if a.fold {
			printed += " i"
		}
		rx, err := cascadiaRegex(src[a.start:a.end], printed+"]", a.regex)
		if err != nil {
			return c, err
		}
		c.text = append(c.text, textCond{rx: rx, attr: a.key})
		cuts = append(cuts, span{a.start, a.end})
	}
	// cascadia matches what is left.
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].start < cuts[j].start })
	var rest strings.Builder
	last := p.start
	for _, cut := range cuts {
		rest.WriteString(src[last:cut.start])
		last = cut.end
	}
	rest.WriteString(src[last:p.end])
	if rest.Len() == 0 {
		rest.WriteString("*")
	}
	var err error
	c.sel, err = cascadia.Parse(rest.String() + " ")
	return c, err
}

// cascadiaRegex compiles expr, the regular expression of the simple
// selector text, once cascadia has read text as printed says.
func cascadiaRegex(text, printed, expr string) (*regexp.Regexp, error) {
	sel, err := cascadia.Parse(text + " ")
	if err != nil || sel.String() != printed {
		return nil, errSplit
	}
	return regexp.Compile(expr)
}

// match reports whether element n matches c, but for c.nth, which needs
// n's place among its siblings.
func (c *compound) match(n *html.Node) bool {
	if !c.sel.Match(n) {
		return false
	}
	for _, alts := range c.not {
		for i := range alts {
			if alts[i].match(n) {
				return false
			}
		}
	}
	for _, t := range c.text {
		if !t.match(n) {
			return false
		}
	}
	return true
}

// match is cascadia's regexpPseudoClassSelector or attributeRegexMatch,
// on at most maxRegexText bytes.
func (t textCond) match(n *html.Node) bool {
	if t.attr != "" {
		for _, a := range n.Attr {
			if a.Key == t.attr && t.rx.MatchString(a.Val[:min(len(a.Val), maxRegexText)]) {
				return true
			}
		}
		return false
	}
	var b textBuf
	if t.own {
		for c := n.FirstChild; c != nil && !b.full(); c = c.NextSibling {
			if c.Type == html.TextNode {
				b.add(c.Data)
			}
		}
	} else {
		b.addTree(n)
	}
	return t.rx.MatchString(b.String())
}

// textBuf gathers up to maxRegexText of text, as cascadia's nodeText and
// nodeOwnText gather all of it. Text in one node, the common case, is not
// copied.
type textBuf struct {
	one string
	b   strings.Builder
}

func (b *textBuf) full() bool { return len(b.one)+b.b.Len() >= maxRegexText }

func (b *textBuf) add(s string) {
	if b.full() {
		return
	}
	if b.one == "" && b.b.Len() == 0 {
		b.one = s[:min(len(s), maxRegexText)]
		return
	}
	if b.one != "" {
		b.b.WriteString(b.one)
		b.one = ""
	}
	b.b.WriteString(s[:min(len(s), maxRegexText-b.b.Len())])
}

// addTree adds the text below n, in text nodes reached through elements
// only (cascadia's writeNodeText), until the buffer is full.
func (b *textBuf) addTree(n *html.Node) {
	for c := n.FirstChild; c != nil && !b.full(); c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			b.add(c.Data)
		case html.ElementNode:
			b.addTree(c)
		}
	}
}

func (b *textBuf) String() string {
	if b.one != "" {
		return b.one
	}
	return b.b.String()
}
