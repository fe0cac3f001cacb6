package rank

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// errScanFallback means the scanner met markup it leaves to x/net/html's
// Tokenizer; the streamer then reads the page again with that.
var errScanFallback = errors.New("rank: scanner gives the page to the tokenizer")

// tokenizer is what the streamer reads tokens from: *html.Tokenizer, or
// the scanner.
type tokenizer interface {
	Next() html.TokenType
	Err() error
	Text() []byte
	TagName() (name []byte, hasAttr bool)
	TagAttr() (key, val []byte, moreAttr bool)
}

type span struct{ start, end int }

// scanner is x/net/html's Tokenizer (v0.62), ported to a page held in
// memory: the same tokens, tag names, attributes and text, but it finds
// the next '<' with IndexByte rather than reading byte by byte, and copies
// nothing it is not asked for. The functions below follow the Tokenizer's
// of the same names. It gives up with errScanFallback where a port would
// have to follow the Tokenizer's rarer paths: a NUL byte, <plaintext>, and
// attribute values whose character references decode differently in
// attributes than in text. FuzzScannerMatchesTokenizer and the tests beside it hold it to
// the Tokenizer token by token, so an x/net upgrade that tokenizes
// differently fails them before it can change a rank.
type scanner struct {
	b         []byte
	pos       int // the Tokenizer's raw.end
	raw, data span
	tt        html.TokenType
	err       error
	rawTag    string
	textIsRaw bool

	attr          [][2]span
	nAttrReturned int
	pending       [2]span
	name, key     []byte // TagName's and TagAttr's buffers
	// keys holds the lower-cased names of a tag's saved attributes once
	// it has more than a few, so that looking for a repeated name stays
	// linear in the tag's length (see seen); lowKey is its lookup buffer.
	keys   map[string]struct{}
	lowKey []byte

	// done, where set, stops a tag being read once it is closed: a
	// single tag can be the whole page.
	done <-chan struct{}
}

func newScanner(page []byte) *scanner {
	s := &scanner{b: page}
	if bytes.IndexByte(page, 0) >= 0 {
		s.err = errScanFallback // the Tokenizer replaces NULs in some places
	}
	return s
}

// errScanStopped means the scanner's done channel closed inside a tag.
var errScanStopped = errors.New("rank: scanner stopped inside a tag")

func (z *scanner) Err() error  { return z.err }
func (z *scanner) Raw() []byte { return z.b[z.raw.start:z.raw.end] }

func (z *scanner) readByte() byte {
	if z.pos >= len(z.b) {
		z.err = io.EOF
		return 0
	}
	c := z.b[z.pos]
	z.pos++
	return c
}

func (z *scanner) emit(tt html.TokenType) html.TokenType {
	z.raw.end = z.pos
	z.tt = tt
	return tt
}

func (z *scanner) fallback() html.TokenType {
	z.err = errScanFallback
	return z.emit(html.ErrorToken)
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func (z *scanner) skipWhiteSpace() {
	for z.err == nil {
		c := z.readByte()
		if z.err != nil {
			return
		}
		if !isSpace(c) {
			z.pos--
			return
		}
	}
}

// Next scans the next token, as Tokenizer.Next.
func (z *scanner) Next() html.TokenType {
	z.raw.start = z.pos
	z.data = span{z.pos, z.pos}
	if z.err != nil {
		return z.emit(html.ErrorToken)
	}
	if z.rawTag != "" {
		if z.rawTag == "plaintext" {
			return z.fallback()
		}
		z.readRawOrRCDATA()
		if z.data.end > z.data.start {
			return z.emit(html.TextToken)
		}
	}
	z.textIsRaw = false

	for {
		i := bytes.IndexByte(z.b[z.pos:], '<')
		if i < 0 || z.pos+i+1 >= len(z.b) {
			z.pos = len(z.b) // text up to the end, a last '<' included
			break
		}
		lt := z.pos + i
		c := z.b[lt+1]
		var tokenType html.TokenType
		switch {
		case isLetter(c):
			tokenType = html.StartTagToken
		case c == '/':
			tokenType = html.EndTagToken
		case c == '!' || c == '?':
			tokenType = html.CommentToken
		default:
			z.pos = lt + 1
			continue
		}
		if z.raw.start < lt {
			z.pos = lt
			z.data.end = lt
			return z.emit(html.TextToken)
		}
		z.pos = lt + 2
		switch tokenType {
		case html.StartTagToken:
			return z.emit(z.readStartTag())
		case html.EndTagToken:
			c = z.readByte()
			if z.err != nil {
				z.err = nil // the Tokenizer's "break loop": "</" ends as text
				z.data.end = z.pos
				return z.emit(html.TextToken)
			}
			if c == '>' {
				return z.emit(html.CommentToken)
			}
			if isLetter(c) {
				z.readTag(false)
				if z.err != nil {
					return z.emit(html.ErrorToken)
				}
				return z.emit(html.EndTagToken)
			}
			z.pos--
			z.readUntilCloseAngle()
			return z.emit(html.CommentToken)
		default:
			if c == '!' {
				return z.emit(z.readMarkupDeclaration())
			}
			z.pos--
			z.readUntilCloseAngle()
			return z.emit(html.CommentToken)
		}
	}
	if z.raw.start < z.pos {
		z.data.end = z.pos
		return z.emit(html.TextToken)
	}
	z.err = io.EOF
	return z.emit(html.ErrorToken)
}

// readRawOrRCDATA reads up to "</rawTag".
func (z *scanner) readRawOrRCDATA() {
	if z.rawTag == "script" {
		z.readScript()
		z.textIsRaw = true
		z.rawTag = ""
		return
	}
	for {
		i := bytes.IndexByte(z.b[z.pos:], '<')
		if i < 0 {
			z.pos = len(z.b)
			break
		}
		z.pos += i + 1
		if z.pos >= len(z.b) {
			break
		}
		if z.b[z.pos] != '/' {
			continue
		}
		z.pos++
		if z.readRawEndTag() {
			break
		}
	}
	z.data.end = z.pos
	z.textIsRaw = z.rawTag != "textarea" && z.rawTag != "title"
	z.rawTag = ""
}

// readScript reads script data up to "</script", following the Tokenizer's
// readScript through the escape states that "<!--" opens and that can hide
// a "</script>" inside. The plain state finds its next '<' with IndexByte.
// The Tokenizer's escaped and double-escaped states differ only in what a
// '<' leads to, so here they are one set of states and double says which
// of the two the scanner is in. The end of the page ends the script
// wherever it is.
func (z *scanner) readScript() {
	var c byte
	ok, double := true, false
	next := func() byte {
		if z.pos >= len(z.b) {
			ok = false
			return 0
		}
		z.pos++
		return z.b[z.pos-1]
	}

scriptData:
	if i := bytes.IndexByte(z.b[z.pos:], '<'); i >= 0 {
		z.pos += i + 1
	} else {
		z.pos = len(z.b)
		goto done
	}
	// scriptDataLessThanSign
	if c = next(); !ok {
		goto done
	}
	switch c {
	case '/': // scriptDataEndTagOpen
		if z.readRawEndTag() {
			goto done
		}
		goto scriptData
	case '!': // scriptDataEscapeStart
		if c = next(); !ok {
			goto done
		}
		if c != '-' {
			z.pos--
			goto scriptData
		}
		// scriptDataEscapeStartDash
		if c = next(); !ok {
			goto done
		}
		if c == '-' {
			double = false
			goto escapedDashDash
		}
	}
	z.pos--
	goto scriptData

escaped:
	if c = next(); !ok {
		goto done
	}
	switch c {
	case '-':
		goto escapedDash
	case '<':
		goto escapedLessThanSign
	}
	goto escaped

escapedDash:
	if c = next(); !ok {
		goto done
	}
	switch c {
	case '-':
		goto escapedDashDash
	case '<':
		goto escapedLessThanSign
	}
	goto escaped

escapedDashDash:
	if c = next(); !ok {
		goto done
	}
	switch c {
	case '-':
		goto escapedDashDash
	case '<':
		goto escapedLessThanSign
	case '>':
		goto scriptData
	}
	goto escaped

escapedLessThanSign:
	if c = next(); !ok {
		goto done
	}
	if double { // scriptDataDoubleEscapedLessThanSign
		if c != '/' {
			z.pos--
			goto escaped
		}
		// scriptDataDoubleEscapeEnd
		if z.readRawEndTag() {
			z.pos += len("</script>")
			double = false
			goto escaped
		}
		if z.pos >= len(z.b) {
			goto done
		}
		goto escaped
	}
	if c == '/' { // scriptDataEscapedEndTagOpen
		if z.readRawEndTag() || z.pos >= len(z.b) {
			goto done
		}
		goto escaped
	}
	if isLetter(c) { // scriptDataDoubleEscapeStart
		z.pos--
		for i := 0; i < len("script"); i++ {
			if c = next(); !ok {
				goto done
			}
			if c != "script"[i] && c != "SCRIPT"[i] {
				z.pos--
				goto escaped
			}
		}
		if c = next(); !ok {
			goto done
		}
		if isSpace(c) || c == '/' || c == '>' {
			double = true
		} else {
			z.pos--
		}
		goto escaped
	}
	z.pos--
	goto scriptData

done:
	z.data.end = z.pos
}

// readRawEndTag matches "</rawTag" followed by a delimiter, leaving pos at
// its "<"; otherwise pos moves past what matched and it returns false.
func (z *scanner) readRawEndTag() bool {
	for i := 0; i < len(z.rawTag); i++ {
		if z.pos >= len(z.b) {
			return false
		}
		c := z.b[z.pos]
		if c != z.rawTag[i] && c != z.rawTag[i]-('a'-'A') {
			return false
		}
		z.pos++
	}
	if z.pos >= len(z.b) {
		return false
	}
	if c := z.b[z.pos]; isSpace(c) || c == '/' || c == '>' {
		z.pos -= 2 + len(z.rawTag)
		return true
	}
	return false
}

func (z *scanner) readUntilCloseAngle() {
	z.data.start = z.pos
	if i := bytes.IndexByte(z.b[z.pos:], '>'); i >= 0 {
		z.data.end = z.pos + i
		z.pos += i + 1
		return
	}
	z.pos = len(z.b)
	z.data.end = z.pos
	z.err = io.EOF
}

func (z *scanner) readMarkupDeclaration() html.TokenType {
	z.data.start = z.pos
	var c [2]byte
	for i := range 2 {
		c[i] = z.readByte()
		if z.err != nil {
			z.data.end = z.pos
			if i == 1 && c[0] == '>' {
				z.data.end--
			}
			return html.CommentToken
		}
	}
	if c[0] == '-' && c[1] == '-' {
		z.readComment()
		return html.CommentToken
	}
	z.pos -= 2
	if z.readDoctype() {
		return html.DoctypeToken
	}
	z.readUntilCloseAngle()
	return html.CommentToken
}

func (z *scanner) readComment() {
	z.data.start = z.pos
	defer func() {
		if z.data.end < z.data.start {
			z.data.end = z.data.start // a comment with no data, like <!-->
		}
	}()
	dashCount, beginning := 0, true
	for {
		c := z.readByte()
		if z.err != nil {
			z.data.end = z.abruptCommentEnd()
			return
		}
		switch c {
		case '-':
			dashCount++
			continue
		case '>':
			if dashCount >= 2 || beginning {
				z.data.end = z.pos - len("-->")
				return
			}
		case '!':
			if dashCount >= 2 {
				c = z.readByte()
				if z.err != nil {
					z.data.end = z.abruptCommentEnd()
					return
				} else if c == '>' {
					z.data.end = z.pos - len("--!>")
					return
				} else if c == '-' {
					dashCount, beginning = 1, false
					continue
				}
			}
		}
		dashCount, beginning = 0, false
	}
}

func (z *scanner) abruptCommentEnd() int {
	raw := z.b[z.raw.start:z.pos]
	if len(raw) >= len("<!--") {
		raw = raw[len("<!--"):]
		switch {
		case bytes.HasSuffix(raw, []byte("--!")):
			return z.pos - 3
		case bytes.HasSuffix(raw, []byte("--")):
			return z.pos - 2
		case bytes.HasSuffix(raw, []byte("-")):
			return z.pos - 1
		}
	}
	return z.pos
}

func (z *scanner) readDoctype() bool {
	const s = "DOCTYPE"
	for i := 0; i < len(s); i++ {
		c := z.readByte()
		if z.err != nil {
			// The Tokenizer backs up and reads the fragment as a bogus
			// comment; the EOF comes with the next token.
			z.pos = z.data.start
			z.err = nil
			return false
		}
		if c != s[i] && c != s[i]+('a'-'A') {
			z.pos = z.data.start
			return false
		}
	}
	if z.skipWhiteSpace(); z.err != nil {
		z.data = span{z.pos, z.pos}
		return true
	}
	z.readUntilCloseAngle()
	return true
}

var rawTags = []string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"}

func (z *scanner) readStartTag() html.TokenType {
	z.readTag(true)
	if z.err != nil {
		return html.ErrorToken
	}
	name := z.b[z.data.start:z.data.end]
	for _, t := range rawTags {
		if len(name) == len(t) && equalFoldASCII(string(name), t) {
			z.rawTag = t
			break
		}
	}
	n := len(z.attr)
	if z.b[z.pos-2] == '/' && (n == 0 || z.pos-2 != z.attr[n-1][1].end-1) {
		return html.SelfClosingTagToken
	}
	return html.StartTagToken
}

func (z *scanner) readTag(saveAttr bool) {
	z.attr = z.attr[:0]
	z.nAttrReturned = 0
	clear(z.keys)
	z.readTagName()
	if z.skipWhiteSpace(); z.err != nil {
		return
	}
	for n := 1; ; n++ {
		c := z.readByte()
		if z.err != nil || c == '>' {
			break
		}
		if n%1024 == 0 && z.stopped() {
			return
		}
		z.pos--
		z.readTagAttrKey()
		z.readTagAttrVal()
		if saveAttr && z.pending[0].start != z.pending[0].end && !z.seen(z.pending[0]) {
			if !z.plainValue(z.pending[1]) {
				z.err = errScanFallback
				return
			}
			z.attr = append(z.attr, z.pending)
			if len(z.keys) > 0 {
				z.keys[string(z.lowKey)] = struct{}{} // seen left the key there
			}
		}
		if z.skipWhiteSpace(); z.err != nil {
			break
		}
	}
}

// stopped reports whether done has closed, and if so ends the scan.
func (z *scanner) stopped() bool {
	select {
	case <-z.done:
		z.err = errScanStopped
		return true
	default:
		return false
	}
}

// seenScan is how many saved attributes seen compares one by one; past
// that it keeps their names in a set. Comparing each attribute with all
// before it cost 17 s for one tag of 40,000.
const seenScan = 16

// seen says whether a saved attribute has key k (the Tokenizer keeps the
// first of a repeated attribute). Once it uses the set, lowKey holds k
// lower-cased for readTag to add.
func (z *scanner) seen(k span) bool {
	key := z.b[k.start:k.end]
	if len(z.attr) < seenScan {
		for _, a := range z.attr {
			if equalFoldBytes(z.b[a[0].start:a[0].end], key) {
				return true
			}
		}
		return false
	}
	if len(z.keys) == 0 {
		if z.keys == nil {
			z.keys = make(map[string]struct{})
		}
		for _, a := range z.attr {
			z.keys[string(appendLower(nil, z.b[a[0].start:a[0].end]))] = struct{}{}
		}
	}
	z.lowKey = appendLower(z.lowKey[:0], key)
	_, ok := z.keys[string(z.lowKey)]
	return ok
}

// equalFoldBytes compares under ASCII case folding only, as the Tokenizer
// does; bytes.EqualFold would also fold "ſ" with "s".
func equalFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// plainValue says whether the value's character references decode the
// same in an attribute as in text, so that html.UnescapeString gives what
// the Tokenizer's attribute decoding gives: numeric references, complete
// named references ending in ';', and '&' not followed by a name.
func (z *scanner) plainValue(v span) bool {
	val := z.b[v.start:v.end]
	for {
		i := bytes.IndexByte(val, '&')
		if i < 0 {
			return true
		}
		val = val[i+1:]
		j := 0
		for j < len(val) && (isLetter(val[j]) || '0' <= val[j] && val[j] <= '9') {
			j++
		}
		if j == 0 {
			continue // "&#…" decodes alike in both; "&" alone stays "&"
		}
		ref := "&" + string(val[:j])
		if j < len(val) && val[j] == ';' {
			ref += ";"
			if u := html.UnescapeString(ref); u == ref || !strings.Contains(u, ";") {
				continue // not a reference at all, or a whole one
			}
			return false // text decodes a prefix, attributes do not
		}
		if html.UnescapeString(ref) != ref {
			return false // a legacy reference without ';': decoded by rules that differ
		}
	}
}

func (z *scanner) readTagName() {
	z.data.start = z.pos - 1
	for {
		c := z.readByte()
		if z.err != nil {
			z.data.end = z.pos
			return
		}
		switch {
		case isSpace(c):
			z.data.end = z.pos - 1
			return
		case c == '/' || c == '>':
			z.pos--
			z.data.end = z.pos
			return
		}
	}
}

func (z *scanner) readTagAttrKey() {
	z.pending[0].start = z.pos
	for {
		c := z.readByte()
		if z.err != nil {
			z.pending[0].end = z.pos
			return
		}
		switch {
		case c == '=' && z.pending[0].start+1 == z.pos:
			continue // an '=' before the name begins is part of it
		case c == '=' || isSpace(c) || c == '/' || c == '>':
			z.pos--
			z.pending[0].end = z.pos
			return
		}
	}
}

func (z *scanner) readTagAttrVal() {
	z.pending[1] = span{z.pos, z.pos}
	if z.skipWhiteSpace(); z.err != nil {
		return
	}
	c := z.readByte()
	if z.err != nil || c == '/' {
		return
	}
	if c != '=' {
		z.pos--
		return
	}
	if z.skipWhiteSpace(); z.err != nil {
		return
	}
	quote := z.readByte()
	if z.err != nil {
		return
	}
	switch quote {
	case '>':
		z.pos--
	case '\'', '"':
		z.pending[1].start = z.pos
		if i := bytes.IndexByte(z.b[z.pos:], quote); i >= 0 {
			z.pending[1].end = z.pos + i
			z.pos += i + 1
			return
		}
		z.pos = len(z.b)
		z.pending[1].end = z.pos
		z.err = io.EOF
	default:
		z.pending[1].start = z.pos - 1
		for {
			c := z.readByte()
			if z.err != nil {
				z.pending[1].end = z.pos
				return
			}
			switch {
			case isSpace(c):
				z.pending[1].end = z.pos - 1
				return
			case c == '>':
				z.pos--
				z.pending[1].end = z.pos
				return
			}
		}
	}
}

// Text is Tokenizer.Text: newlines normalised and, outside raw text,
// character references decoded. It copies only when it must change
// something.
func (z *scanner) Text() []byte {
	switch z.tt {
	case html.TextToken, html.CommentToken, html.DoctypeToken:
	default:
		return nil
	}
	s := z.b[z.data.start:z.data.end]
	z.data = span{z.raw.end, z.raw.end}
	s = convertNewlines(s)
	if !z.textIsRaw && bytes.IndexByte(s, '&') >= 0 {
		s = []byte(html.UnescapeString(string(s)))
	}
	return s
}

// TagName is Tokenizer.TagName, into a buffer reused across tokens.
func (z *scanner) TagName() ([]byte, bool) {
	if z.data.start >= z.data.end {
		return nil, false
	}
	switch z.tt {
	case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
	default:
		return nil, false
	}
	z.name = appendLower(z.name[:0], z.b[z.data.start:z.data.end])
	z.data = span{z.raw.end, z.raw.end}
	return z.name, z.nAttrReturned < len(z.attr)
}

// TagAttr is Tokenizer.TagAttr; the key is in a buffer reused across
// calls, the value a slice of the page unless it had to change.
func (z *scanner) TagAttr() ([]byte, []byte, bool) {
	if z.nAttrReturned >= len(z.attr) || (z.tt != html.StartTagToken && z.tt != html.SelfClosingTagToken) {
		return nil, nil, false
	}
	a := z.attr[z.nAttrReturned]
	z.nAttrReturned++
	z.key = appendLower(z.key[:0], z.b[a[0].start:a[0].end])
	val := convertNewlines(z.b[a[1].start:a[1].end])
	if bytes.IndexByte(val, '&') >= 0 {
		val = []byte(html.UnescapeString(string(val)))
	}
	return z.key, val, z.nAttrReturned < len(z.attr)
}

func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// convertNewlines turns "\r\n" and "\r" into "\n", on a copy.
func convertNewlines(s []byte) []byte {
	if bytes.IndexByte(s, '\r') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' {
			c = '\n'
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		}
		out = append(out, c)
	}
	return out
}
