// Package queue is the crawler's job queue on Redis Streams: one stream read
// through one consumer group, a delayed ZSET for retry backoff, a failed ZSET
// for parked jobs, a JSON record per job (state, attempts, last error,
// result; kept RecordTTL after the job completes or is canceled,
// FailedRetention after it fails) and a ZSET of worker
// heartbeats. As a job of a schedule ends, it pushes the result onto the
// schedule's capped list, which the schedule store reads and deletes.
//
// Failed jobs are an operator's to handle (operate.go): a parked job's
// record keeps the job itself, so Retry, RetryFailed (in atomic batches of
// 500) put it back with a fresh budget of MaxAttempts, and Cancel, Delete
// and PurgeFailed take jobs out. Next to the failed ZSET, a ZSET per error
// type and per schedule and a hash of each job's entries index it, kept by
// every script that adds to or takes from it (scripts/lib/failed.lua), so
// a filtered page costs O(page), and no call reads more than a bounded
// stretch of an index: pages and bulk batches go on from a (score, id)
// cursor, never from an offset. Retention (FailedRetention, FailedMax)
// drops the oldest failed jobs on every park and on the reclaim sweep and
// counts them; complete and park add to per-minute throughput counters.
//
// Delivery is at least once. A job is acknowledged in the same MULTI as its
// record; a worker that dies leaves its jobs pending in the group, where
// another worker's read reclaims them (XPENDING IDLE, then XCLAIM) once
// their lease (idle time) runs out; a live worker renews the lease of long
// jobs with Extend (XCLAIM … JUSTID) so they are never run twice, and no
// process reclaims for a lease after it saw Redis fail, so holders renew
// first after an outage; a job delivered MaxDeliveries times without an
// answer is parked as failed. Complete, Fail and Release change nothing
// for a consumer that no longer holds the delivery (ErrLeaseLost).
//
// Cost: enqueue, read and complete take about 3.4 Redis commands per job
// (INFO commandstats, Lua-internal calls included), because enqueue is one
// script per 500 jobs and concurrent Complete and Read calls share round
// trips. Counts are O(1): XINFO GROUPS, XLEN, ZCARD, ZCOUNT in one script.
//
// keyspace.Keys names every key; all share the hash tag {prefix}, so the
// multi-key scripts stay in one slot on a Redis Cluster. Redis outages
// come back as crawler.ErrUnavailable. The server must be Redis 7.0 or newer (SET NX
// GET, the lag of XINFO GROUPS); miniredis works for development.
package queue
