package rank

import (
	"strconv"
	"strings"
)

// The selector's shape, read by following cascadia's parser (v1.3.4,
// parser.go) step for step: where its compound selectors begin and end,
// which combinators join them, and which pseudo-classes it uses where.
// Compile needs that shape to match each compound itself (selmatch.go) and
// to refuse what it cannot match fast or as browsers do (selcheck.go).
// Compile checks the split against cascadia's own parse, so a reading that
// differed would be refused, never used.

type selGroup []selComplex

// selComplex is one selector of a group: compounds joined by combinators.
type selComplex []selPart

type selPart struct {
	comb       byte // combinator before the compound: 0 for the first, ' ', '>', '+' or '~'
	start, end int  // the compound's text
	pseudos    []pseudoUse
	regexAttrs []attrUse // its [name#=regex] selectors, cascadia's own
}

// attrUse is an attribute selector that matches a regular expression.
type attrUse struct {
	start, end int    // from '[' to past ']'
	key        string // lower case, escapes decoded
	regex      string // as cascadia compiles it
	fold       bool   // an "i" flag, which cascadia prints but ignores
}

type pseudoUse struct {
	name       string // lower case, escapes decoded
	element    bool   // written "::name"
	paren      bool   // followed by an argument in parentheses
	start, end int    // from ':' to past the argument
	arg        string // the argument's text
	lead       byte   // a combinator that starts a :has() argument (a relative selector)
	sub        selGroup
}

type lexer struct {
	s      string
	i      int
	failed bool // cascadia's parser would fail; its message is the one to give
}

// lexGroup reads sel; ok is false where cascadia's parser fails. What was
// read before the failure is returned, so that an unsupported pseudo-class
// early in the selector can still be named.
func lexGroup(sel string) (g selGroup, ok bool) {
	l := &lexer{s: sel}
	g = l.group()
	return g, !l.failed && l.i == len(sel)
}

func (l *lexer) fail() { l.failed = true }

func (l *lexer) more() bool { return !l.failed && l.i < len(l.s) }

// group is parseSelectorGroup.
func (l *lexer) group() selGroup {
	var g selGroup
	for {
		g = append(g, l.complex())
		if !l.more() || l.s[l.i] != ',' {
			return g
		}
		l.i++
	}
}

// complex is parseSelector.
func (l *lexer) complex() selComplex {
	l.space()
	var c selComplex
	var comb byte
	for {
		c = append(c, l.compound(comb))
		space := l.space()
		if !l.more() {
			return c
		}
		switch ch := l.s[l.i]; {
		case ch == '+' || ch == '>' || ch == '~':
			comb = ch
			l.i++
			l.space()
		case ch == ',' || ch == ')':
			return c
		case space:
			comb = ' '
		default:
			return c
		}
	}
}

// compound is parseSimpleSelectorSequence.
func (l *lexer) compound(comb byte) selPart {
	p := selPart{comb: comb, start: l.i}
	if !l.more() {
		l.fail()
		return p
	}
	switch l.s[l.i] {
	case '*':
		l.i++
		if l.i+2 < len(l.s) && l.s[l.i:l.i+2] == "|*" {
			l.i += 2
		}
	case '#', '.', '[', ':':
	default:
		l.ident()
	}
loop:
	for l.more() {
		switch l.s[l.i] {
		case '#':
			l.i++
			l.name()
		case '.':
			l.i++
			l.ident()
		case '[':
			if a, ok := l.attr(); ok {
				p.regexAttrs = append(p.regexAttrs, a)
			}
		case ':':
			p.pseudos = append(p.pseudos, l.pseudo())
		default:
			break loop
		}
	}
	p.end = l.i
	return p
}

// attr is parseAttributeSelector; ok says it matches a regular
// expression (the operator #=) and a is that selector.
func (l *lexer) attr() (a attrUse, ok bool) {
	a.start = l.i
	l.i++
	l.space()
	a.key = lowerASCII(l.ident())
	l.space()
	if !l.more() {
		l.fail()
		return a, false
	}
	if l.s[l.i] == ']' {
		l.i++
		return a, false
	}
	if l.i+2 >= len(l.s) {
		l.fail()
		return a, false
	}
	op := l.s[l.i : l.i+2]
	if op[0] == '=' {
		op = "="
	} else if op[1] != '=' {
		l.fail()
		return a, false
	}
	l.i += len(op)
	l.space()
	switch {
	case !l.more():
		l.fail()
		return a, false
	case op == "#=":
		start := l.i
		l.regex()
		a.regex = l.s[start:min(l.i, len(l.s))]
	case l.s[l.i] == '"' || l.s[l.i] == '\'':
		l.str()
	default:
		l.ident()
	}
	l.space()
	if l.more() && (l.s[l.i] == 'i' || l.s[l.i] == 'I') {
		a.fold = true
		l.i++
	}
	l.space()
	if !l.more() || l.s[l.i] != ']' {
		l.fail()
		return a, false
	}
	l.i++
	a.end = l.i
	return a, op == "#="
}

// pseudo is parsePseudoclassSelector, minus the judgement of names, which
// selcheck.go makes.
func (l *lexer) pseudo() pseudoUse {
	u := pseudoUse{start: l.i}
	l.i++
	if l.i < len(l.s) && l.s[l.i] == ':' {
		u.element = true
		l.i++
	}
	u.name = lowerASCII(l.ident())
	if !l.more() || l.s[l.i] != '(' {
		u.end = l.i
		return u
	}
	u.paren = true
	l.i++
	l.space()
	argStart := l.i
	switch u.name {
	case "not", "has", "haschild":
		if l.more() && strings.IndexByte("+>~", l.s[l.i]) >= 0 {
			u.lead = l.s[l.i] // cascadia fails here; selcheck.go says why
			l.i++
		}
		u.sub = l.group()
	case "contains", "containsown":
		if l.more() && (l.s[l.i] == '"' || l.s[l.i] == '\'') {
			l.str()
		} else {
			l.ident()
		}
	case "matches", "matchesown":
		l.regex()
	case "lang":
		l.ident()
	default: // :nth-*(an+b), and unknown names, read to the closing parenthesis
		for depth := 0; l.more() && (depth > 0 || l.s[l.i] != ')'); l.i++ {
			switch l.s[l.i] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
	}
	u.arg = l.s[argStart:min(l.i, len(l.s))]
	l.space()
	if !l.more() || l.s[l.i] != ')' {
		l.fail()
		u.end = min(l.i, len(l.s))
		return u
	}
	l.i++
	u.end = l.i
	return u
}

// space is skipWhitespace: white space, and comments that are closed.
func (l *lexer) space() bool {
	start := l.i
	for l.i < len(l.s) {
		switch l.s[l.i] {
		case ' ', '\t', '\r', '\n', '\f':
			l.i++
			continue
		case '/':
			if strings.HasPrefix(l.s[l.i:], "/*") {
				if end := strings.Index(l.s[l.i+2:], "*/"); end >= 0 {
					l.i += end + 4
					continue
				}
			}
		}
		break
	}
	return l.i > start
}

// ident is parseIdentifier.
func (l *lexer) ident() string {
	dashes := 0
	for l.i < len(l.s) && l.s[l.i] == '-' {
		l.i++
		dashes++
	}
	if !l.more() || !(nameStart(l.s[l.i]) || l.s[l.i] == '\\') {
		l.fail()
		return ""
	}
	return strings.Repeat("-", dashes) + l.name()
}

// name is parseName.
func (l *lexer) name() string {
	var b strings.Builder
	for l.more() {
		c := l.s[l.i]
		switch {
		case nameChar(c):
			b.WriteByte(c)
			l.i++
		case c == '\\':
			b.WriteString(l.escape())
		default:
			goto done
		}
	}
done:
	if b.Len() == 0 {
		l.fail()
	}
	return b.String()
}

// escape is parseEscape.
func (l *lexer) escape() string {
	if len(l.s) < l.i+2 {
		l.fail()
		return ""
	}
	start := l.i + 1
	c := l.s[start]
	switch {
	case c == '\r' || c == '\n' || c == '\f':
		l.fail()
		return ""
	case hexDigit(c):
		i := start
		for i < start+6 && i < len(l.s) && hexDigit(l.s[i]) {
			i++
		}
		v, _ := strconv.ParseUint(l.s[start:i], 16, 64)
		if i < len(l.s) {
			switch l.s[i] {
			case '\r':
				i++
				if i < len(l.s) && l.s[i] == '\n' {
					i++
				}
			case ' ', '\t', '\n', '\f':
				i++
			}
		}
		l.i = i
		return string(rune(v))
	}
	l.i += 2
	return l.s[start : start+1]
}

// str is parseString.
func (l *lexer) str() {
	if len(l.s) < l.i+2 {
		l.fail()
		return
	}
	quote := l.s[l.i]
	l.i++
	for l.more() {
		switch c := l.s[l.i]; c {
		case quote:
			l.i++
			return
		case '\r', '\n', '\f':
			l.fail()
			return
		case '\\':
			if l.i+1 < len(l.s) {
				switch l.s[l.i+1] {
				case '\r':
					if l.i+2 < len(l.s) && l.s[l.i+2] == '\n' {
						l.i += 3
						continue
					}
					l.i += 2
					continue
				case '\n', '\f':
					l.i += 2
					continue
				}
			}
			l.escape()
		default:
			l.i++
		}
	}
	l.fail() // EOF in string
}

// regex is parseRegex: up to an unmatched ')' or ']', not consumed.
func (l *lexer) regex() {
	if len(l.s) < l.i+2 {
		l.fail()
		return
	}
	open := 0
	for ; l.i < len(l.s); l.i++ {
		switch l.s[l.i] {
		case '(', '[':
			open++
		case ')', ']':
			if open--; open < 0 {
				return
			}
		}
	}
	l.fail()
}

// lowerASCII is cascadia's toLowerASCII: "K" (U+212A) is no "k" here.
func lowerASCII(s string) string {
	return string(appendLower(make([]byte, 0, len(s)), []byte(s)))
}

func nameStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c > 127
}

func nameChar(c byte) bool {
	return nameStart(c) || c == '-' || '0' <= c && c <= '9'
}

func hexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
