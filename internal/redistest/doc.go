// Package redistest runs a real redis-server for tests: on a free loopback
// port, in its own temporary directory, stopped when the test ends. It exists
// so every package tests against the server it runs on in production rather
// than an imitation, including restarts and crashes.
package redistest
