// Package fetch owns how one job's page is fetched: the methods, the one
// opening step every method shares (the target policy on the job's URL,
// the rank selector compiled once into a bounded query, the per-host limit
// on the normalised host), the auto rule that falls back from plain HTTP to
// the browser, and ranking as its own step on the fetched page.
//
// A Fetcher (internal/httpfetch, internal/browser) only turns a URL into a
// Page. The Pipeline is what the worker and the one-shot crawl command
// share, so both follow one rule.
package fetch
