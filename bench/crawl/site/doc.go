// Package site serves the crawl benchmark's synthetic web site: numbered
// pages of a fixed size, each with a list of links to other pages,
// generated on the fly so ten thousand of them cost no memory. The Colly
// comparison program imports it too, so both crawl the same pages.
package site
