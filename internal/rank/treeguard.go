package rank

import "fmt"

// x/net/html's tree builder adds the attributes of each later <html> or
// <body> start tag to the first element of that name, and for each such tag
// it first copies every attribute the element already has into a map. A
// page with one <body> of 100,000 attributes followed by 20,000 "<body b>"
// tags does 2·10⁹ map writes: minutes, and 4·10⁸ of them come from what
// one 32 KB read of the page holds, so checking the deadline between reads
// cannot stop it.
// rootMergeCost bounds that work before the page is parsed, and parseTree
// refuses a page whose bound is over maxRootMerge.
//
// Which "<body" in a page is a tag depends on the tokenizer's state (in a
// script, a comment, an attribute value, foreign content) and so on the
// tree builder; the bound assumes each may be one. A tag is read from its
// "<html" or "<body" as the Tokenizer reads a tag, which depends on nothing
// before it, so the attributes of all the tags that really are root tags
// start at distinct places among those the readings find. Readings that
// overlap are run together, one set of states per byte (rootReader), so
// the pass is linear however they nest.

// maxRootMerge bounds rootMergeCost: about a tenth of a second of map
// writes. Real pages have one or two root tags with a few attributes each.
const maxRootMerge = 1 << 22

// errRootMerge is parseTree's refusal, for a page built to stall the tree
// builder.
type errRootMerge struct{ tags, attrs int }

func (e errRootMerge) Error() string {
	return fmt.Sprintf("rank: page has %d <html> or <body> tags with up to %d attributes between them, more than the tree parser merges in time", e.tags, e.attrs)
}

// rootMergeCost is an upper bound on the map writes the tree builder does
// merging root tags' attributes: each of the page's tags possibly named
// html or body costs at most all the attributes such tags can hold, and
// those at most once more each.
func rootMergeCost(page []byte) (cost, tags, attrs int) {
	var r rootReader
	for i := 0; i < len(page); {
		if r.states == 0 {
			// No reading is open: jump to the next possible root tag.
			if i = indexRootTag(page, i); i < 0 {
				break
			}
		}
		n := 1
		if isRootTag(page, i) {
			tags++
			n = len("<body")
		}
		for _, c := range page[i : i+n] {
			if r.step(c) {
				attrs++
			}
		}
		if n > 1 {
			r.states |= 1 << tagName // the name's end comes next
		}
		i += n
	}
	return tags*attrs + attrs, tags, attrs
}

// isRootTag reports whether page holds, at i, "<html" or "<body" in any
// letter case followed by what ends a tag name (or nothing).
func isRootTag(page []byte, i int) bool {
	if i+5 > len(page) || page[i] != '<' {
		return false
	}
	name := string(appendLower(make([]byte, 0, 4), page[i+1:i+5]))
	if name != "html" && name != "body" {
		return false
	}
	return i+5 == len(page) || isSpace(page[i+5]) || page[i+5] == '/' || page[i+5] == '>'
}

// The states of a tag's reading after its name, as scanner.readTag and its
// helpers (the Tokenizer's) move through them.
const (
	tagName  = iota // in the name
	tagLoop         // between attributes (readTag's loop, white space skipped)
	tagKey          // in a key
	tagAfter        // after a key: white space, then '=' or not (readTagAttrVal)
	tagEq           // after '=': white space, then the value
	tagDQ           // in a "quoted" value
	tagSQ           // in a 'quoted' value
	tagBare         // in an unquoted value
)

// rootReader runs every open reading of a tag at once: states has a bit
// for each state some reading is in. Readings in the same state at the
// same byte go on alike, so one bit stands for them all.
type rootReader struct{ states uint8 }

// step moves every reading over c and reports whether one of them starts
// an attribute's key there.
func (r *rootReader) step(c byte) (key bool) {
	var next uint8
	for s := range 8 {
		if r.states&(1<<s) == 0 {
			continue
		}
		n, k := tagStep(s, c)
		if n >= 0 {
			next |= 1 << n
		}
		key = key || k
	}
	r.states = next
	return key
}

// tagStep is one reading's move over c from state s: the next state, or
// -1 where the tag ends at c, and whether c starts a key.
func tagStep(s int, c byte) (next int, key bool) {
	for {
		switch s {
		case tagName:
			switch {
			case isSpace(c):
				return tagLoop, false
			case c == '/' || c == '>':
				s = tagLoop
				continue
			}
			return tagName, false
		case tagLoop:
			switch {
			case isSpace(c):
				return tagLoop, false
			case c == '>':
				return -1, false
			case c == '/':
				return tagLoop, false // an empty key; readTagAttrVal takes the '/'
			}
			return tagKey, true // a first '=' is part of the key
		case tagKey:
			if c == '=' || isSpace(c) || c == '/' || c == '>' {
				s = tagAfter
				continue
			}
			return tagKey, false
		case tagAfter:
			switch {
			case isSpace(c):
				return tagAfter, false
			case c == '/':
				return tagLoop, false
			case c == '=':
				return tagEq, false
			}
			s = tagLoop
			continue
		case tagEq:
			switch {
			case isSpace(c):
				return tagEq, false
			case c == '>':
				s = tagLoop
				continue
			case c == '"':
				return tagDQ, false
			case c == '\'':
				return tagSQ, false
			}
			return tagBare, false
		case tagDQ:
			if c == '"' {
				return tagLoop, false
			}
			return tagDQ, false
		case tagSQ:
			if c == '\'' {
				return tagLoop, false
			}
			return tagSQ, false
		default: // tagBare
			switch {
			case isSpace(c):
				return tagLoop, false
			case c == '>':
				s = tagLoop
				continue
			}
			return tagBare, false
		}
	}
}
