// Package hostlimit is per-host politeness shared by every worker through
// Redis: at most Concurrency requests in flight to one host name across
// all processes, and request starts at least Gap apart. A holder that dies
// frees its place after Lease. When Redis cannot be reached, requests fall
// back to the process's own limiter instead of failing.
package hostlimit
