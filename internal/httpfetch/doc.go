// Package httpfetch is the crawler's plain-HTTP fetcher: a tuned transport
// whose dials pass through netguard, per-host politeness, optional
// robots.txt, outbound proxies, bounded and decompressed bodies, charset
// decoding to UTF-8 and rank extraction. Every error it returns is a
// *crawler.FetchError carrying one of the product's ErrorTypes.
package httpfetch
