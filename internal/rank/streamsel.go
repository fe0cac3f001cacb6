package rank

import "strings"

// streamPlan is how the streaming reader reads a page for one selector.
type streamPlan struct {
	keys []string // the attribute names the selector reads, the only ones kept
	// stopAtMatch: the selector looks at the element alone (see
	// selfContained), so once an item has matched and every item begun
	// before it is judged, the rest of the page cannot change the answer.
	stopAtMatch bool
}

// planStream reports whether a selector can be matched while streaming,
// and how.
func planStream(sel string) (streamPlan, bool) {
	keys, ok := streamKeys(sel)
	if !ok {
		return streamPlan{}, false
	}
	return streamPlan{keys: keys, stopAtMatch: selfContained(sel)}, true
}

// selfContained reports whether every selector in a group (of those
// streamKeys accepts) is one compound selector with a tag name other than
// html, head and body, and no combinator, not even inside :not(). Whether
// such a selector chooses an element depends on that element's own tag and
// attributes only. Markup further on can move an element under other
// ancestors (misnested formatting) or add attributes to html and body, but
// it never changes an element's own tag, attributes or content once the
// element is closed: so it cannot change which closed elements match.
func selfContained(group string) bool {
	for _, sel := range strings.Split(group, ",") {
		sel = strings.TrimSpace(sel)
		end := strings.IndexAny(sel, ".#[:")
		if end < 0 {
			end = len(sel)
		}
		tag := strings.ToLower(sel[:end])
		if tag == "" || tag == "*" || tag == "html" || tag == "head" || tag == "body" ||
			strings.ContainsAny(sel, " \t\n\r\f>") {
			return false
		}
	}
	return true
}

// streamKeys reports whether a selector can be matched while streaming,
// when an element's start tag is read: only the element and its ancestors
// may matter, so no sibling combinators (+ ~) and no pseudo-classes other
// than :not. It also returns the attribute names the selector reads, the
// only ones the streaming reader keeps. Escapes and namespaces are left
// to the tree parser, and so are comments.
func streamKeys(sel string) ([]string, bool) {
	var keys []string
	add := func(k string) {
		for _, have := range keys {
			if have == k {
				return
			}
		}
		keys = append(keys, k)
	}
	for i := 0; i < len(sel); i++ {
		switch c := sel[i]; c {
		case '\\', '|', '+', '~', '"', '\'', '/':
			// '/' can only open a comment (/* */), which the selector
			// parser reads as whitespace: a hidden combinator.
			return nil, false
		case '.':
			add("class")
		case '#':
			add("id")
		case '[':
			end := attrEnd(sel, i)
			if end < 0 {
				return nil, false
			}
			name := sel[i+1 : end]
			if j := strings.IndexAny(name, "=~|^$*!] \t\n"); j >= 0 {
				name = name[:j]
			}
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				return nil, false
			}
			add(name)
			i = closeBracket(sel, i)
			if i < 0 {
				return nil, false
			}
		case ':':
			if !strings.HasPrefix(strings.ToLower(sel[i:]), ":not(") {
				return nil, false
			}
			i += len(":not(") - 1
		}
	}
	return keys, true
}

// attrEnd is the end of the attribute name that starts after sel[open].
func attrEnd(sel string, open int) int {
	for j := open + 1; j < len(sel); j++ {
		switch sel[j] {
		case '=', '~', '|', '^', '$', '*', '!', ']', ' ', '\t', '\n':
			return j
		}
	}
	return -1
}

// closeBracket finds the ']' that ends the attribute selector opened at
// sel[open], stepping over quoted values.
func closeBracket(sel string, open int) int {
	var quote byte
	for j := open + 1; j < len(sel); j++ {
		c := sel[j]
		switch {
		case quote != 0:
			if c == '\\' {
				return -1
			}
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == ']':
			return j
		}
	}
	return -1
}
