// Package rank reads a fetched HTML page: its title, and the 1-based
// position of the first item chosen by a CSS selector whose text or link
// contains the job's match string. It does no I/O beyond reading the page.
//
// Three readers give the same answer at different costs. A scanner (a port
// of x/net/html's Tokenizer to an in-memory page) feeds a streaming reader
// that models the tree builder for plain markup. The scanner hands rarer
// markup to the Tokenizer itself, and the streaming reader hands anything
// it does not model to the full tree parser. The streaming reader stops at
// the match once nothing later in the page can change the answer. Tests
// and fuzz targets hold each reader to the next.
package rank
