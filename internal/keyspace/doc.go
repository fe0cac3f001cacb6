// Package keyspace owns the names of the crawler's Redis keys. One Keys
// value names every key (jobs, streams, the failed set's indexes and drop
// counter, per-minute throughput, schedules and their results, fire
// markers, host limits, workers, pause state) under one prefix, inside one
// hash tag "{prefix}", so a Redis Cluster keeps them all in one slot and
// the multi-key Lua scripts and MULTI/EXEC blocks of the stores may touch
// any of them together.
//
// It also tells a Redis outage from an answer: stores pass their Redis
// errors through Classify, so that callers above them see
// crawler.ErrUnavailable and never need the Redis client to decide.
package keyspace
