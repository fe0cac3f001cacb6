// Package health decides whether a process can do its job, and answers
// GET /healthz with it: 200 {"status":"ok"}, or 503 {"status":"unhealthy",
// "reason":"..."} when Redis has not answered for longer than a grace
// period, or when a watched loop (the worker's reader) has not come round
// for longer than its bound. A container's health check (`crawler
// healthcheck`, ECS, compose) reads it, so an orchestrator replaces a task
// that is up but stuck rather than only one whose port is closed.
//
// A Checker is constructed with New, started with Run (it pings Redis in
// the background until Run's context ends) and needs no stop of its own.
// It knows nothing of the environment: cmd/crawler hands it its Config.
package health
