// Package api is the crawler's HTTP API of docs/api.md: jobs, the queue's
// counts, schedules and their results, and the health, readiness and
// metrics endpoints. It validates every request before anything reaches
// Redis, answers errors as {"error": {"code", "message", "fields"}} with a
// 4xx status for anything the client can fix, and never shows a stack
// trace. The routes are in routes.go; errors map to statuses in errors.go.
// NewServer (server.go, conns.go) serves it within deadlines, a header cap
// and a bound on connections that stalled clients cannot use up.
package api
