package rank

import "strings"

// streamPlan is how the streaming reader reads a page for one selector.
type streamPlan struct {
	keys []string // the attribute names the selector reads, the only ones kept
	// What later markup could still change once an item has matched (see
	// streamer.settled). elementOnly: nothing, since every selector in the
	// group is one compound with a tag other than html, head and body, and
	// such a selector looks at an element's own tag and attributes only.
	// noAncestors: only attributes that a later <html> or <body> tag adds,
	// since every selector is one compound but some may choose html or body.
	// Neither: those attributes, and the ancestors of closed elements, which
	// misnested formatting elements can change.
	elementOnly, noAncestors bool
}

// planStream reports whether a selector can be matched while streaming,
// and how.
func planStream(sel string) (streamPlan, bool) {
	keys, ok := streamKeys(sel)
	if !ok {
		return streamPlan{}, false
	}
	elementOnly, noAncestors := compounds(sel)
	return streamPlan{keys: keys, elementOnly: elementOnly, noAncestors: noAncestors}, true
}

// compounds looks at each selector of a group (of those streamKeys
// accepts). noAncestors: each is one compound selector, with no combinator,
// not even inside :not(). elementOnly: each also names a tag other than
// html, head and body.
func compounds(group string) (elementOnly, noAncestors bool) {
	elementOnly, noAncestors = true, true
	for _, sel := range strings.Split(group, ",") {
		sel = strings.TrimSpace(sel)
		if sel == "" || strings.ContainsAny(sel, " \t\n\r\f>") {
			return false, false
		}
		end := strings.IndexAny(sel, ".#[:")
		if end < 0 {
			end = len(sel)
		}
		if tag := strings.ToLower(sel[:end]); tag == "" || tag == "*" || tag == "html" || tag == "head" || tag == "body" {
			elementOnly = false
		}
	}
	return elementOnly, noAncestors
}

// streamKeys reports whether a selector can be matched while streaming,
// when an element's start tag is read: only the element and its ancestors
// may matter, so no sibling combinators (+ ~) and no pseudo-classes other
// than :not. It also returns the attribute names the selector reads, the
// only ones the streaming reader keeps. Escapes, namespaces, comments and
// regular expressions are left to the tree parser.
func streamKeys(sel string) ([]string, bool) {
	if strings.Contains(sel, "#=") {
		return nil, false // [name#=regex]: the tree's, where the matcher bounds it
	}
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
