package rank

import "bytes"

// When the streaming reader may stop at the match.

// settled reports that the rest of the page cannot change the answer, so
// reading can stop. An item has matched and no item begun before it is
// still open, the first <title> has been read, and the body can no longer
// be replaced by a frameset. Later items come later in document order, and
// later markup never changes a closed element's tag, attributes or text.
// What it can change, the plan rules out:
//   - a later <html> or <body> tag adds attributes to those elements, which
//     a selector may choose or look at as ancestors: none may follow, unless
//     every selector names the tag of the elements it chooses;
//   - a misnested end tag (</b> over a <div>) moves open elements, and the
//     closed ones inside them, under new ancestors: no formatting element
//     may be open, unless no selector looks at ancestors.
//
// Items then counts the items begun so far.
func (s *streamer) settled() bool {
	if s.best < 0 || len(s.open) > 0 || !s.titleDone || s.framesetOK {
		return false
	}
	if s.plan.elementOnly {
		return true
	}
	if !s.plan.noAncestors && s.formattingOpen() {
		return false
	}
	return !s.rootTagAhead()
}

// formattingOpen reports whether a formatting element (the tree builder's
// adoption agency moves what is below one) is open.
func (s *streamer) formattingOpen() bool {
	for _, n := range s.stack {
		if formatting(n.DataAtom) {
			return true
		}
	}
	return false
}

// rootTagAhead reports whether "<html" or "<body" may still come: looked
// for loosely, in any letter case and even inside scripts and comments, and
// always true when the page is read by the Tokenizer, whose input is not
// at hand.
func (s *streamer) rootTagAhead() bool {
	z, ok := s.z.(*scanner)
	switch {
	case !ok:
		return true
	case s.rootTagAt > z.pos:
		return true // found before and not reached yet
	case s.rootTagAt < 0:
		return false
	}
	s.rootTagAt = indexRootTag(z.b, z.pos)
	return s.rootTagAt >= 0
}

// indexRootTag is the index of the next "<html" or "<body" in b at or after
// from, in any letter case, or -1.
func indexRootTag(b []byte, from int) int {
	for {
		i := bytes.IndexByte(b[from:], '<')
		if i < 0 {
			return -1
		}
		at := from + i
		if at+5 > len(b) {
			return -1
		}
		// The first letter rules out most tags before EqualFold looks.
		if c := b[at+1] | 0x20; c == 'h' || c == 'b' {
			if name := b[at+1 : at+5]; bytes.EqualFold(name, []byte("html")) || bytes.EqualFold(name, []byte("body")) {
				return at
			}
		}
		from = at + 1
	}
}
