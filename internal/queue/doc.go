// Package queue is the crawler's job queue on Redis Streams: one stream read
// through one consumer group, a delayed ZSET for retry backoff, a failed ZSET
// for parked jobs, a hash per job for its record, a ZSET of worker
// heartbeats and a capped list of results per schedule.
//
// Delivery is at least once. A job is acknowledged only after its record
// says how it ended; a worker that dies leaves its jobs pending in the group,
// where XAUTOCLAIM hands them to another worker once their lease (idle time)
// runs out; a live worker renews the lease of long jobs with Extend so they
// are never run twice.
//
// Every key shares the hash tag {prefix}, so the multi-key Lua scripts stay
// in one slot on a Redis Cluster. The server must be Redis 7.0 or newer
// (SET NX GET, the lag field of XINFO GROUPS).
package queue
