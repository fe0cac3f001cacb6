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

// matchesItem reports whether an item's text or one of its links holds
// the needle.
func (l *links) matchesItem(item *html.Node, buf *strings.Builder) bool {
	if l.n.text == "" {
		return true
	}
	buf.Reset()
	writeText(item, buf)
	text := buf.String()
	if len(text) > maxItemText {
		text = text[:maxItemText]
	}
	return l.n.matchesText(text) || l.matchesIn(item)
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

// matchesIn reports whether a link in node's subtree matches.
func (l *links) matchesIn(node *html.Node) bool {
	if node.Type == html.ElementNode && (node.DataAtom == atom.A || node.DataAtom == atom.Area) {
		for _, a := range node.Attr {
			if a.Key == "href" && a.Namespace == "" && l.matches(a.Val) {
				return true
			}
		}
	}
	for c := node.FirstChild; c != nil; c = c.NextSibling {
		if l.matchesIn(c) {
			return true
		}
	}
	return false
}

// links matches the hrefs of one page against a needle. Most links on a
// results page are paths on the page's own site ("/page/12"); for those it
// skips the parse, resolve and print of matchesHref, whose result it knows:
// the base URL's scheme and host followed by the path, under the base's
// host. TestLinksMatchLikeMatchesHref and FuzzLinks hold it to matchesHref.
type links struct {
	n    needle
	base *url.URL
	// prefix is what URL.String writes before the path of a URL resolved
	// against base ("https://host"), or "" when the shortcut is off.
	prefix    string
	hostKnown bool
	hostMatch bool // base's host matches in its Unicode or ASCII form

	// done, where set, stops the matching of links: an item can hold
	// most of a page's links, each parsed and resolved. Once it has
	// closed, matches answers false and sets stopped.
	done    <-chan struct{}
	stopped bool
	calls   int
}

func newLinks(n needle, base *url.URL) links {
	l := links{n: n, base: base}
	if base != nil && base.Opaque == "" && base.Host != "" {
		prefix := (&url.URL{Scheme: base.Scheme, User: base.User, Host: base.Host}).String()
		// Unescaping must leave the prefix as it is, as it does the path.
		if !strings.ContainsAny(prefix, "%+") {
			l.prefix = prefix
		}
	}
	return l
}

func (l *links) matches(href string) bool {
	if l.calls++; l.calls%256 == 0 && !l.stopped {
		select {
		case <-l.done:
			l.stopped = true
		default:
		}
	}
	if l.stopped {
		return false
	}
	href = capHref(strings.TrimSpace(href))
	if href == "" {
		return false
	}
	if l.n.contains(href) {
		return true
	}
	if l.prefix == "" || !plainPath(href) {
		return l.n.matchesHref(href, l.base)
	}
	if l.n.contains(l.prefix + href) {
		return true
	}
	if !l.hostKnown {
		l.hostMatch, l.hostKnown = l.n.matchesHost(strings.ToLower(l.base.Hostname())), true
	}
	return l.hostMatch
}

// capHref bounds the part of a link that is parsed, resolved and searched,
// as maxItemText bounds an item's text: a page can hold a link of
// megabytes, and each of its forms is searched for the needle.
func capHref(href string) string {
	if len(href) > maxItemText {
		return href[:maxItemText]
	}
	return href
}

// plainPath reports whether href is an absolute path that parsing,
// resolving and printing leave unchanged: a '/', then letters, digits and
// "/-_~" only, with no empty segment and so no dot segments, no query, no
// fragment and nothing to escape or unescape.
func plainPath(href string) bool {
	if href[0] != '/' || strings.Contains(href, "//") {
		return false
	}
	for i := 1; i < len(href); i++ {
		c := href[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '-' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// matchesHref is the reference for links.matches: href raw, resolved
// against base, percent-decoded, and its host in Unicode and ASCII form.
func (n needle) matchesHref(href string, base *url.URL) bool {
	href = capHref(strings.TrimSpace(href))
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
	return n.matchesHost(strings.ToLower(u.Hostname()))
}

// matchesHost reports whether a lower-case host name holds the needle in
// its Unicode form, or the needle's ASCII form.
func (n needle) matchesHost(host string) bool {
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
//
// Candidates are found with IndexByte (vectorised) and compared with the
// needle; in running text few are, and each comparison ends within a byte
// or two. Text made of the needle's own prefix ("aaa…" for "aaa…ab") would
// make every position a candidate compared in full, len(s)·len(needle)
// steps, so once the comparisons have read as many bytes as s holds, the
// rest of s goes to foldKMP, which is linear whatever s and needle hold.
func containsFoldASCII(s, needle string) bool {
	if needle == "" {
		return true
	}
	first, firstUpper := needle[0], needle[0]
	if first >= 'a' && first <= 'z' {
		firstUpper = first - 'a' + 'A'
	}
	// Each case of the first byte has its own IndexByte; each position is
	// looked at once.
	last := len(s) - len(needle)
	work := 0        // bytes the comparisons have read
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
		n := foldPrefix(s[i:i+len(needle)], needle)
		if n == len(needle) {
			return true
		}
		if work += n + 1; work > len(s) {
			return foldKMP(s[i+1:], needle)
		}
		i++
	}
	return false
}

// containsFoldASCIIAnchored is containsFoldASCII for a needle whose byte
// at k is not a letter, with the same bound on the comparisons.
func containsFoldASCIIAnchored(s, needle string, k int) bool {
	c := needle[k]
	work := 0
	for from := k; from < len(s); {
		i := strings.IndexByte(s[from:], c)
		if i < 0 {
			return false
		}
		start := from + i - k
		if start+len(needle) > len(s) {
			return false
		}
		n := foldPrefix(s[start:start+len(needle)], needle)
		if n == len(needle) {
			return true
		}
		if work += n + 1; work > len(s) {
			return foldKMP(s[start+1:], needle)
		}
		from += i + 1
	}
	return false
}

// foldKMP is containsFoldASCII by Knuth, Morris and Pratt: each byte of s
// is read once and the needle's table built once, so it takes time linear
// in both whatever they hold. It is the fallback, not the rule: reading s a
// byte at a time is slower than IndexByte over running text.
func foldKMP(s, needle string) bool {
	if needle == "" {
		return true
	}
	// border[i] is the length of the longest proper prefix of needle[:i+1]
	// that is also its suffix.
	border := make([]int32, len(needle))
	for i, k := 1, int32(0); i < len(needle); i++ {
		for k > 0 && needle[i] != needle[k] {
			k = border[k-1]
		}
		if needle[i] == needle[k] {
			k++
		}
		border[i] = k
	}
	k := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		for k > 0 && c != needle[k] {
			k = border[k-1]
		}
		if c == needle[k] {
			if k++; int(k) == len(needle) {
				return true
			}
		}
	}
	return false
}

// foldPrefix is the length of the longest prefix of lower that s begins
// with, s folded to lower case; s is at least as long as lower.
func foldPrefix(s, lower string) int {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return i
		}
	}
	return len(lower)
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
