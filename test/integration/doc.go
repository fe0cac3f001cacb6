// Package integration drives the real crawler binary as separate
// processes (api, worker, scheduler, metric-publisher) against a real
// redis-server and a local test site: crashes, drains, replicated
// schedulers, published gauges and Redis restarts, seen from outside the
// way an operator would see them. It holds tests only.
package integration
