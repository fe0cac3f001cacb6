// Package rank reads a fetched HTML page: its title, and the 1-based
// position of the first item chosen by a CSS selector whose text or link
// contains the job's match string. It does no I/O beyond reading the page.
//
// Compile turns a job's selector and match string into a Query once, and
// refuses (ErrInvalidSelector, with a reason for the user) what it cannot
// match as a browser does, or cheaply: syntax cascadia lacks (:is(),
// relative :has(> …)) or reads differently (:lang(), combinators inside
// :has()), and shapes whose matching grows with a power of the page.
// cascadia matches each compound selector ("li.r:not(.ad)"); the package's
// own matcher walks the combinators between them and the :nth family, in
// one linear pass where cascadia's cost grows with depth^k or siblings².
// Where cascadia differs from browsers in a pseudo-class it has (:empty
// over white space, :link on <link>), Compile adds the missing condition.
//
// Three readers give the same answer at different costs. A scanner (a port
// of x/net/html's Tokenizer to an in-memory page) feeds a streaming reader
// that models the tree builder for plain markup. The scanner hands rarer
// markup to the Tokenizer itself, and the streaming reader hands anything
// it does not model to the full tree parser. The streaming reader stops at
// the match once nothing later in the page can change the answer. Tests
// and fuzz targets hold each reader to the next. The tree parser gets the
// doctype's name lower-cased, as the HTML standard's tokenizer does, so
// that "<!DOCTYPE HTML>" is not quirks mode.
//
// Extract checks its context in every pass (tokens, long tags, the tree
// parser's reads, each element matched, each item compared, the links of
// an item), so a job ends as a timeout soon after its deadline whatever the
// page and selector. That needs each step between two checks to be small
// whatever the input, so the work inside one is kept linear (repeated
// attribute names, the match string's search) or bounded: the text an item
// or a link is searched in, and the program and text of a regular
// expression, which the matcher runs itself (selregex.go) instead of
// cascadia. The tree builder's own work can outgrow a page by far (copies
// of unclosed formatting elements, merges of repeated <body> tags) inside
// one read, so the tree comes from internal/htmltree, x/net/html's builder
// with a budget: a page past it is refused as a parse error.
package rank
