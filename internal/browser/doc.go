// Package browser is the crawler's headless-browser fetcher: it turns a
// URL into the rendered DOM (fetch.Fetcher). One Chromium per process,
// driven by playwright-go, is launched on the first job and relaunched
// when it disconnects or a renderer crashes; each job gets a browser
// context and a page of its own.
//
// All of a job's traffic goes through a session of the loopback guard
// proxy (proxy.go, session.go) that is the job's own, and that only the
// job's browser context holds the credentials for (auth.go): it refuses any
// address the netguard policy refuses at dial time, chains to the job's
// upstream proxy (checking the target first), and holds the job's byte
// budget, counting bodies decompressed. Route interception applies the
// same policy before Chromium sends a request (route.go); the proxy covers
// what routes cannot see: redirect hops, WebSockets, a DNS answer that
// changed. Before the page is read, the fetcher checks where the main
// frame ended up, so a navigation the policy refused fails the job.
//
// The fetcher leaves to internal/fetch what every method shares: the
// policy on the job's URL, the selector, the per-host limit, the choice of
// proxy, the deadline and the ranking. Every error it returns is a
// *crawler.FetchError.
package browser
