package queue

import (
	"slices"
	"testing"
	"time"
)

func TestIDsSortByTime(t *testing.T) {
	t.Parallel()
	var g idGen
	base := time.UnixMilli(1_700_000_000_000)
	tests := []struct {
		name  string
		times []time.Time
	}{
		{name: "same millisecond counts up", times: []time.Time{base, base, base, base}},
		{name: "later milliseconds", times: []time.Time{base.Add(time.Millisecond), base.Add(2 * time.Millisecond), base.Add(time.Hour)}},
		{name: "clock going back keeps order", times: []time.Time{base.Add(2 * time.Hour), base}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the subtests share one generator on purpose.
			var ids []string
			for _, at := range tt.times {
				ids = append(ids, g.next(at))
			}
			for _, id := range ids {
				if len(id) != 26 {
					t.Fatalf("id %q has %d characters, want 26", id, len(id))
				}
			}
			if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Errorf("ids not strictly increasing: %v", ids)
			}
		})
	}
	// The leading digits carry the time, so other generators sort with us.
	var other idGen
	a, b := other.next(base), other.next(base.Add(time.Millisecond))
	if a[:10] == b[:10] || a >= b {
		t.Errorf("time prefix does not order ids: %s, %s", a, b)
	}
}

func TestBackoffStaysInItsWindow(t *testing.T) {
	t.Parallel()
	q := New(nil, Config{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second})
	tests := []struct {
		attempt int
		ceil    time.Duration
	}{
		{attempt: 0, ceil: time.Second},
		{attempt: 1, ceil: 100 * time.Millisecond},
		{attempt: 2, ceil: 200 * time.Millisecond},
		{attempt: 4, ceil: 800 * time.Millisecond},
		{attempt: 5, ceil: time.Second},
		{attempt: 80, ceil: time.Second}, // no overflow
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			var top time.Duration
			for range 2000 {
				d := q.backoff(tt.attempt)
				if d < 0 || d > tt.ceil {
					t.Fatalf("attempt %d: backoff %s outside [0, %s]", tt.attempt, d, tt.ceil)
				}
				top = max(top, d)
			}
			if top < tt.ceil*8/10 {
				t.Errorf("attempt %d: largest of 2000 draws %s, want close to %s (jitter spans the window)", tt.attempt, top, tt.ceil)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	got := Config{}.withDefaults()
	want := Config{
		Lease: 30 * time.Second, ReclaimEvery: 4 * time.Second, PromoteEvery: time.Second,
		MaxDeliveries: 5, MaxAttempts: 5, BackoffBase: time.Second, BackoffMax: 5 * time.Minute,
		RecordTTL: 24 * time.Hour, FailedRetention: 168 * time.Hour, FailedMax: 10_000,
		IdempotencyWindow: 24 * time.Hour, ResultsPerSchedule: 100,
	}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
	if kept := (Config{Keys: "p", Lease: time.Second}).withDefaults(); kept.Keys != "p" || kept.Lease != time.Second {
		t.Errorf("set fields overwritten: %+v", kept)
	}
}
