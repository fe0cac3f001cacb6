// Package browser is the crawler's headless-browser fetcher: one Chromium
// per process, driven by playwright-go, launched on the first job and
// relaunched when it disconnects or a renderer crashes, with a fresh page
// per job in one shared context. Every request a page makes passes the same
// netguard policy as the plain-HTTP fetcher twice: route interception
// refuses it before Chromium sends it, and a loopback proxy that all of
// Chromium's traffic goes through refuses the address it would dial, which
// covers what routes cannot see (redirect hops, WebSockets, a DNS answer
// that changed). Every error it returns is a *crawler.FetchError.
package browser
