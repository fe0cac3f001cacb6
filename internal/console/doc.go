// Package console owns the web console: a static page, one script and one
// style sheet, embedded in the binary and served under /ui/ on the API's
// listener. The page holds no data and needs no token to load; its script
// asks the operator for the API token, keeps it in sessionStorage and
// sends it as a bearer token on every call to the JSON API. Nothing here
// reads Redis or the queue: the console is a client of /v1 like any other.
//
// Every answer carries a strict Content-Security-Policy (no inline script
// or style, no other origin), so a job error or URL shown on the page can
// never run as code even if the script's DOM building had a fault.
package console
