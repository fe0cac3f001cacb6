// Package htmltree is the HTML5 tree builder of golang.org/x/net/html
// (v0.62.0: parse.go, foreign.go, doctype.go, const.go and node.go's
// helpers, under the BSD licence in LICENSE) with a budget, for pages that
// are hostile on purpose.
//
// The standard's tree construction can be made to do far more work than a
// page's size: a page that leaves hundreds of formatting elements (<b>,
// <a>, …) with distinct attributes unclosed and then repeats "</p><p>x"
// makes the parser copy all of them for every 8 bytes (a 162 KB page built
// a tree of 784 MB in 1.3 s), and repeated <body> tags make it merge
// attribute lists without end (whatwg/html#10772 and lexbor#340 describe
// the same class). x/net/html offers no way to bound either, and checking
// a deadline between reads of the page cannot stop work that one read
// causes. Parse counts that work where it happens and stops at Limits.
//
// Every change from upstream is marked "crawler" or lives in budget.go;
// TestSameTreeAsUpstream holds the trees to x/net/html's.
package htmltree
