package health

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type okPinger struct{}

func (okPinger) Ping(context.Context) error { return nil }

// clock is a fake time source the test moves by hand.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }
func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) at(d time.Duration) func() time.Time {
	t := c.now().Add(d)
	return func() time.Time { return t }
}

func TestWatchLoop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		last    func(c *clock) func() time.Time
		advance time.Duration
		want    string // "" healthy, else part of the reason
	}{
		{"came round just now", func(c *clock) func() time.Time { return c.now }, time.Hour, ""},
		{"within the bound", func(c *clock) func() time.Time { return c.at(0) }, time.Minute, ""},
		{"past the bound", func(c *clock) func() time.Time { return c.at(0) }, 2*time.Minute + time.Second, "worker reader has not come round for 2m1s (bound 2m0s)"},
		{"not started, within the bound", func(*clock) func() time.Time { return func() time.Time { return time.Time{} } }, time.Minute, ""},
		{"not started, past the bound", func(*clock) func() time.Time { return func() time.Time { return time.Time{} } }, 3 * time.Minute, "has not come round for 3m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			c := New(Config{RedisGrace: 24 * time.Hour}, okPinger{})
			c.now = clk.now
			c.lastOK = clk.now()
			c.WatchLoop("worker reader", tt.last(clk), 2*time.Minute)
			clk.add(tt.advance)
			s := c.Status()
			switch {
			case tt.want == "" && !s.Healthy:
				t.Errorf("unhealthy: %s", s.Reason)
			case tt.want != "" && (s.Healthy || !strings.Contains(s.Reason, tt.want)):
				t.Errorf("status %+v, want a reason with %q", s, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want Config
	}{
		{Config{}, Config{RedisGrace: 30 * time.Second, PingInterval: 5 * time.Second}},
		{Config{RedisGrace: 6 * time.Second}, Config{RedisGrace: 6 * time.Second, PingInterval: time.Second}},
		{Config{RedisGrace: 100 * time.Millisecond}, Config{RedisGrace: 100 * time.Millisecond, PingInterval: 100 * time.Millisecond}},
	} {
		if got := tt.in.withDefaults(); got != tt.want {
			t.Errorf("%+v.withDefaults() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
