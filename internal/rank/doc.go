// Package rank reads a fetched HTML page: its title, and the 1-based
// position of the first item chosen by a CSS selector whose text or link
// contains the job's match string. It does no I/O beyond reading the page.
package rank
