package keyspace

import (
	"fmt"
	"strings"
)

// DefaultPrefix is the prefix when none is configured (REDIS_PREFIX).
const DefaultPrefix = "crawler"

// MaxPrefixLength bounds a prefix; it starts every key.
const MaxPrefixLength = 64

// Keys names every Redis key under one prefix. Its value is the prefix;
// the zero value (and "") means DefaultPrefix, so a plain string literal
// converts to it. Use New to check a configured prefix.
type Keys string

// New returns the Keys of prefix, or an error when prefix could not be
// one hash tag: empty, too long, or holding braces or spaces.
func New(prefix string) (Keys, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return "", err
	}
	return Keys(prefix), nil
}

// ValidatePrefix accepts 1 to MaxPrefixLength printable characters
// without braces or whitespace: a brace would end the hash tag early.
func ValidatePrefix(prefix string) error {
	switch {
	case prefix == "":
		return fmt.Errorf("keyspace: empty prefix")
	case len(prefix) > MaxPrefixLength:
		return fmt.Errorf("keyspace: prefix longer than %d characters", MaxPrefixLength)
	case strings.ContainsAny(prefix, "{} \t\r\n"):
		return fmt.Errorf("keyspace: prefix %q holds a brace or a space", prefix)
	}
	for _, r := range prefix {
		if r < 0x21 || r == 0x7f {
			return fmt.Errorf("keyspace: prefix %q holds a control character", prefix)
		}
	}
	return nil
}

// Prefix returns the prefix in use.
func (k Keys) Prefix() string {
	if k == "" {
		return DefaultPrefix
	}
	return string(k)
}

// Tag is the hash tag every key starts with: "{prefix}".
func (k Keys) Tag() string { return "{" + k.Prefix() + "}" }

// Base is "{prefix}:", the start of every key. Lua scripts that name job,
// idempotency or schedule-result keys themselves get it as an argument and
// append the same suffixes as Job, Idempotency and ScheduleResults.
func (k Keys) Base() string { return "{" + k.Prefix() + "}:" }

// The queue's keys.

// Stream is the jobs' stream, read through one consumer group.
func (k Keys) Stream() string { return k.Base() + "stream" }

// Delayed is the ZSET of retries waiting for their backoff.
func (k Keys) Delayed() string { return k.Base() + "delayed" }

// Failed is the ZSET of parked jobs.
func (k Keys) Failed() string { return k.Base() + "failed" }

// FailedByType is the ZSET of the parked jobs whose last error has type
// t, scored like Failed: an index of Failed, kept by the same scripts.
func (k Keys) FailedByType(t string) string { return k.Base() + "failed:type:" + t }

// FailedBySchedule is the ZSET of the parked jobs a schedule enqueued,
// scored like Failed: an index of Failed, kept by the same scripts.
func (k Keys) FailedBySchedule(name string) string { return k.Base() + "failed:schedule:" + name }

// FailedIndex is the hash of each parked job's index entries, id →
// "<error type> <schedule>", so that a job leaves its indexes even after
// its record expired.
func (k Keys) FailedIndex() string { return k.Base() + "failed:index" }

// FailedDropped counts the parked jobs retention dropped.
func (k Keys) FailedDropped() string { return k.Base() + "failed:dropped" }

// Throughput is the hash of one minute's finished jobs (fields completed
// and failed), at its Unix minute; it expires after two hours.
func (k Keys) Throughput(minute int64) string { return fmt.Sprintf("%sstats:%d", k.Base(), minute) }

// Workers is the ZSET of worker heartbeats.
func (k Keys) Workers() string { return k.Base() + "workers" }

// WorkerInfo is the hash of what each live worker last told about itself,
// id → JSON; entries leave with the worker's heartbeat.
func (k Keys) WorkerInfo() string { return k.Base() + "workers:info" }

// Job is one job's record.
func (k Keys) Job(id string) string { return k.Base() + "job:" + id }

// Idempotency maps an idempotency key to its first job.
func (k Keys) Idempotency(key string) string { return k.Base() + "idem:" + key }

// Paused holds the queue's pause state.
func (k Keys) Paused() string { return k.Base() + "paused" }

// The schedule store's keys.

// Schedules is the hash of stored schedules, name → JSON.
func (k Keys) Schedules() string { return k.Base() + "schedules" }

// ScheduleResults is the capped list of one schedule's recent results.
func (k Keys) ScheduleResults(name string) string {
	return k.Base() + "schedule:" + name + ":results"
}

// Fire marks one fire of a schedule, at its Unix time, as enqueued.
func (k Keys) Fire(name string, unix int64) string {
	return fmt.Sprintf("%sfire:%s:%d", k.Base(), name, unix)
}

// The shared host limiter's keys.

// Host is the ZSET of places held on one host.
func (k Keys) Host(host string) string { return k.Base() + "host:" + host }

// HostNext holds the earliest time of the host's next request start.
func (k Keys) HostNext(host string) string { return k.Host(host) + ":next" }

// Kind names which of the methods above names key, or "" when key is not
// one of this keyspace's: a check for tests and tools that scan Redis.
func (k Keys) Kind(key string) string {
	rest, ok := strings.CutPrefix(key, k.Base())
	if !ok {
		return ""
	}
	switch rest {
	case "stream", "delayed", "failed", "workers", "paused", "schedules":
		return rest
	case "workers:info":
		return "worker_info"
	case "failed:index":
		return "failed_index"
	case "failed:dropped":
		return "failed_dropped"
	}
	head, tail, ok := strings.Cut(rest, ":")
	if !ok || tail == "" {
		return ""
	}
	switch head {
	case "job":
		return "job"
	case "failed":
		if t, ok := strings.CutPrefix(tail, "type:"); ok && t != "" {
			return "failed_by_type"
		}
		if name, ok := strings.CutPrefix(tail, "schedule:"); ok && name != "" {
			return "failed_by_schedule"
		}
	case "stats":
		if isDigits(tail) {
			return "throughput"
		}
	case "idem":
		return "idempotency"
	case "schedule":
		if name, ok := strings.CutSuffix(tail, ":results"); ok && name != "" {
			return "schedule_results"
		}
	case "fire":
		if i := strings.LastIndexByte(tail, ':'); i > 0 && isDigits(tail[i+1:]) {
			return "fire"
		}
	case "host":
		if _, ok := strings.CutSuffix(tail, ":next"); ok {
			return "host_next"
		}
		return "host"
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
