package keyspace_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
)

// TestKeysShareOneTag: every name starts with "{prefix}:" and Kind names
// it back; the zero value is the default prefix.
func TestKeysShareOneTag(t *testing.T) {
	t.Parallel()
	k := keyspace.Keys("p")
	for _, tt := range []struct{ key, kind string }{
		{k.Stream(), "stream"},
		{k.Delayed(), "delayed"},
		{k.Failed(), "failed"},
		{k.Workers(), "workers"},
		{k.WorkerInfo(), "worker_info"},
		{k.Paused(), "paused"},
		{k.Job("01k"), "job"},
		{k.Idempotency("schedule:s:60"), "idempotency"},
		{k.Schedules(), "schedules"},
		{k.ScheduleResults("nightly.v2"), "schedule_results"},
		{k.Fire("nightly", 1_700_000_040), "fire"},
		{k.Host("example.com:8080"), "host"},
		{k.HostNext("example.com:8080"), "host_next"},
		{k.FailedByType("http_4xx"), "failed_by_type"},
		{k.FailedBySchedule("nightly.v2"), "failed_by_schedule"},
		{k.FailedIndex(), "failed_index"},
		{k.FailedDropped(), "failed_dropped"},
		{k.Throughput(28_333_333), "throughput"},
	} {
		if got := k.Kind(tt.key); got != tt.kind {
			t.Errorf("Kind(%q) = %q, want %q", tt.key, got, tt.kind)
		}
		if len(tt.key) < 4 || tt.key[:4] != "{p}:" {
			t.Errorf("%q does not start with {p}:", tt.key)
		}
	}
	for _, key := range []string{"crawler:schedules", "{q}:stream", "{p}:other", "{p}:job:", "{p}:fire:s:x", "{p}:schedule:s", "{p}:failed:type:", "{p}:failed:x", "{p}:stats:x"} {
		if got := k.Kind(key); got != "" {
			t.Errorf("Kind(%q) = %q, want none", key, got)
		}
	}
	if got := keyspace.Keys("").Stream(); got != "{crawler}:stream" {
		t.Errorf("zero Keys: stream %q, want {crawler}:stream", got)
	}
}

func TestNewRefusesWhatBreaksTheTag(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "a{b", "a}b", "a b", "a\tb", string(make([]byte, keyspace.MaxPrefixLength+1))} {
		if _, err := keyspace.New(p); err == nil {
			t.Errorf("New(%q) accepted", p)
		}
	}
	if k, err := keyspace.New("crawler-staging"); err != nil || k.Tag() != "{crawler-staging}" {
		t.Errorf("New(crawler-staging) = %q, %v", k, err)
	}
}

// TestClassify: outages gain crawler.ErrUnavailable and keep their chain;
// answers and cancellations are left alone.
func TestClassify(t *testing.T) {
	t.Parallel()
	outages := []error{
		io.EOF, redis.ErrClosed, context.DeadlineExceeded,
		redis.ErrPoolTimeout, fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF),
	}
	for _, err := range outages {
		got := keyspace.Classify(err)
		if !errors.Is(got, crawler.ErrUnavailable) || !errors.Is(got, err) || got.Error() != err.Error() {
			t.Errorf("Classify(%v) = %v: want ErrUnavailable with the cause kept", err, got)
		}
	}
	for _, err := range []error{nil, redis.Nil, context.Canceled, errors.New("WRONGTYPE")} {
		if got := keyspace.Classify(err); got != err {
			t.Errorf("Classify(%v) = %v, want it unchanged", err, got)
		}
	}
}
