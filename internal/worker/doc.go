// Package worker runs crawl jobs from the queue: a fixed number of slots,
// each running one job at a time with the fetcher its method asks for,
// settling every attempt in the queue (complete, or fail with or without a
// retry), recording the worker metrics, keeping its leases and its liveness
// in Redis, and on shutdown draining in-flight jobs or giving them back.
package worker
