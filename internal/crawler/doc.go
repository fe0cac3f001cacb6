// Package crawler holds the domain types shared by every process of the
// crawler service: a crawl job, its result, its state and the bounded set of
// error types. It imports only the standard library; the queue, the fetchers,
// the API and the worker all speak in these types. Their JSON is the API's
// (docs/api.md); the error types are described for users in docs/errors.md.
package crawler
