package rank

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/idna"
)

// needle is spec.Match prepared once per page in the forms it is compared
// in.
type needle struct {
	text     string // lower case, whitespace collapsed
	isASCII  bool
	ascii    string // IDNA ASCII form when text is a host name ("bücher.de" → "xn--bcher-kva.de")
	hasSpace bool
	// anchor is the index of the first byte of an ASCII text that is not
	// a letter, or -1: it has one case, so IndexByte finds candidates for
	// it alone, and such bytes ('.', digits) are rare in running text.
	anchor int
}

func newNeedle(match string) needle {
	n := needle{text: strings.ToLower(collapseSpace(match))}
	n.hasSpace = strings.Contains(n.text, " ")
	n.isASCII = isASCII(n.text)
	n.anchor = -1
	if n.isASCII {
		n.anchor = strings.IndexFunc(n.text, func(r rune) bool { return r < 'a' || r > 'z' })
	}
	if a, err := idna.Lookup.ToASCII(n.text); err == nil && a != n.text {
		n.ascii = a
	}
	return n
}

func (n needle) matchesItem(item *html.Node, base *url.URL, buf *strings.Builder) bool {
	if n.text == "" {
		return true
	}
	buf.Reset()
	writeText(item, buf)
	text := buf.String()
	if len(text) > maxItemText {
		text = text[:maxItemText]
	}
	return n.matchesText(text) || n.matchesLinks(item, base)
}

// maxItemText bounds the text searched in one item. Nested items repeat
// their text in every ancestor item, so without a bound a page of nested
// items costs time quadratic in its size; a real result item is far
// shorter.
const maxItemText = 256 << 10

// matchesText reports whether an item's text contains the needle.
func (n needle) matchesText(text string) bool {
	// Collapsing whitespace cannot create or destroy a match for a needle
	// without spaces, so the common case skips the extra copy.
	if n.hasSpace {
		text = collapseSpace(text)
	}
	return n.contains(text)
}

func (n needle) matchesLinks(node *html.Node, base *url.URL) bool {
	if node.Type == html.ElementNode && (node.DataAtom == atom.A || node.DataAtom == atom.Area) {
		for _, a := range node.Attr {
			if a.Key == "href" && a.Namespace == "" && n.matchesHref(a.Val, base) {
				return true
			}
		}
	}
	for c := node.FirstChild; c != nil; c = c.NextSibling {
		if n.matchesLinks(c, base) {
			return true
		}
	}
	return false
}

func (n needle) matchesHref(href string, base *url.URL) bool {
	href = strings.TrimSpace(href)
	if href == "" {
		return false
	}
	if n.contains(href) {
		return true
	}
	u, err := url.Parse(href)
	if err != nil {
		return false
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	full := u.String()
	if n.contains(full) {
		return true
	}
	if dec, err := url.QueryUnescape(full); err == nil && n.contains(dec) {
		return true
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return false
	}
	if uni, err := idna.ToUnicode(host); err == nil && uni != host && strings.Contains(uni, n.text) {
		return true
	}
	return n.ascii != "" && strings.Contains(host, n.ascii)
}

func (n needle) contains(s string) bool {
	if n.isASCII {
		if n.anchor >= 0 {
			return containsFoldASCIIAnchored(s, n.text, n.anchor)
		}
		return containsFoldASCII(s, n.text)
	}
	return strings.Contains(strings.ToLower(s), n.text)
}

// containsFoldASCII is strings.Contains(strings.ToLower(s), needle) for a
// lower-case ASCII needle, without copying s: item text is most of the
// matching cost. It differs from ToLower only for U+212A KELVIN SIGN and
// U+0130, which lower-case to ASCII letters.
func containsFoldASCII(s, needle string) bool {
	if needle == "" {
		return true
	}
	first, firstUpper := needle[0], needle[0]
	if first >= 'a' && first <= 'z' {
		firstUpper = first - 'a' + 'A'
	}
	// Candidates are found with IndexByte (vectorised), once per case of
	// the first byte; each position is looked at once.
	last := len(s) - len(needle)
	lo, up := -1, -1 // next candidate of each case at or after i; -1: look again
	for i := 0; i <= last; {
		if lo < i {
			if lo = strings.IndexByte(s[i:last+1], first); lo < 0 {
				lo = len(s)
			} else {
				lo += i
			}
		}
		if up < i {
			if firstUpper == first {
				up = lo
			} else if up = strings.IndexByte(s[i:last+1], firstUpper); up < 0 {
				up = len(s)
			} else {
				up += i
			}
		}
		i = min(lo, up)
		if i > last {
			return false
		}
		if equalFoldASCII(s[i:i+len(needle)], needle) {
			return true
		}
		i++
	}
	return false
}

// containsFoldASCIIAnchored is containsFoldASCII for a needle whose byte
// at k is not a letter.
func containsFoldASCIIAnchored(s, needle string, k int) bool {
	c := needle[k]
	for from := k; from < len(s); {
		i := strings.IndexByte(s[from:], c)
		if i < 0 {
			return false
		}
		start := from + i - k
		if start+len(needle) > len(s) {
			return false
		}
		if equalFoldASCII(s[start:start+len(needle)], needle) {
			return true
		}
		from += i + 1
	}
	return false
}

func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// writeText gathers the text a reader sees; script and style bodies are
// not part of an item's text.
func writeText(node *html.Node, b *strings.Builder) {
	if b.Len() >= maxItemText {
		return
	}
	switch node.Type {
	case html.TextNode:
		b.WriteString(node.Data)
		return
	case html.ElementNode:
		if node.DataAtom == atom.Script || node.DataAtom == atom.Style {
			return
		}
	}
	for c := node.FirstChild; c != nil; c = c.NextSibling {
		writeText(c, b)
	}
}
