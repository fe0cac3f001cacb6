package rank

import (
	"bytes"
	"context"
	"io"

	"golang.org/x/net/html"

	"github.com/crawler-service/crawler/internal/htmltree"
)

// pageReader hands a page to x/net/html (the tree parser, or the Tokenizer)
// at most readChunk bytes at a time and fails once ctx is done, so a
// parse ends within a chunk's work of the deadline. The Tokenizer reads
// about 4 KB at a time anyway, but after a long token its buffer stays
// large and it would take the rest of a page in one read.
type pageReader struct {
	ctx  context.Context
	done <-chan struct{}
	page []byte
	pos  int
	// lower is the span of the doctype's name, which the reader lower-
	// cases (see doctypeName).
	lower [2]int
}

const readChunk = 32 << 10

func newPageReader(ctx context.Context, page []byte) *pageReader {
	return &pageReader{ctx: ctx, done: ctx.Done(), page: page}
}

func (r *pageReader) Read(p []byte) (int, error) {
	select {
	case <-r.done:
		return 0, r.ctx.Err()
	default:
	}
	if r.pos >= len(r.page) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), readChunk)], r.page[r.pos:])
	for i := max(r.lower[0], r.pos); i < min(r.lower[1], r.pos+n); i++ {
		if c := p[i-r.pos]; 'A' <= c && c <= 'Z' {
			p[i-r.pos] = c + 'a' - 'A'
		}
	}
	r.pos += n
	return n, nil
}

// parseTree is html.Parse on page (through htmltree, which stops a page
// that makes the tree builder copy or search past treeLimits), bounded by
// ctx, and in no-quirks mode where the HTML standard says so. x/net/html
// compares the doctype's name with "html" before lower-casing it, so
// "<!DOCTYPE HTML>", common on real pages, puts it in quirks mode, where a
// <table> does not close an open <p> and the tree differs from a
// browser's. The standard's tokenizer lower-cases the name, so the reader
// does it for the parser.
func parseTree(ctx context.Context, page []byte) (*html.Node, error) {
	r := newPageReader(ctx, page)
	r.lower[0], r.lower[1] = doctypeName(ctx, page)
	return htmltree.Parse(r, treeLimits(len(page)))
}

// treeLimits is what the tree builder may spend on a page beyond its own
// tags: copies of elements up to 16 MB plus 4 bytes per byte of page, and
// searches and merges worth a second or so at most. A hostile page of
// 5 MB may so cost 36 MB of copies on top of its tree. Ordinary pages stay
// far below both: of 111,181 HTML pages of documentation on the
// development machine, the costliest used about 16 KB of copies and
// 0.6 % of the step limit.
func treeLimits(pageBytes int) htmltree.Limits {
	return htmltree.Limits{CopyBytes: 16<<20 + 4*pageBytes, Steps: 1<<26 + 16*pageBytes}
}

// doctypeName is the span of the name in the doctype that sets the
// document's mode: the first token other than comments and white space
// (as the tree builder's "initial" insertion mode reads them), if it is a
// doctype. Later doctypes are ignored.
func doctypeName(ctx context.Context, page []byte) (start, end int) {
	z := html.NewTokenizer(newPageReader(ctx, page))
	at := 0
	for {
		tt := z.Next()
		n := len(z.Raw())
		switch {
		case tt == html.CommentToken,
			tt == html.TextToken && len(bytes.TrimLeft(z.Text(), whitespace)) == 0:
			at += n
			continue
		case tt == html.DoctypeToken:
			// "<!" and "DOCTYPE" in any case, white space, then the name
			// up to white space or '>'.
			i := at + len("<!DOCTYPE")
			for i < len(page) && isSpace(page[i]) {
				i++
			}
			j := i
			for j < len(page) && page[j] != '>' && !isSpace(page[j]) {
				j++
			}
			return i, j
		}
		return 0, 0
	}
}
