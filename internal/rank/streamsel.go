package rank

import "strings"

// streamKeys reports whether a selector can be matched while streaming,
// when an element's start tag is read: only the element and its ancestors
// may matter, so no sibling combinators (+ ~) and no pseudo-classes other
// than :not. It also returns the attribute names the selector reads, the
// only ones the streaming reader keeps. Escapes and namespaces are left
// to the tree parser.
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
		case '\\', '|', '+', '~', '"', '\'':
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
