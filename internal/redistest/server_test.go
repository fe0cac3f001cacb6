package redistest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/redistest"
)

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []redistest.Option
		kill     bool // crash instead of a clean restart
		wantKept bool
	}{
		{name: "clean restart saves", wantKept: true},
		{name: "kill without aof loses", kill: true, wantKept: false},
		{name: "kill with aof keeps", opts: []redistest.Option{redistest.WithAppendOnly()}, kill: true, wantKept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := redistest.Start(t, tt.opts...)
			c := s.Client()
			if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatalf("set: %v", err)
			}
			addr := s.Addr()
			if tt.kill {
				s.Kill()
				s.Kill() // twice is harmless
			}
			s.Restart(t)
			if s.Addr() != addr {
				t.Fatalf("address changed: %s -> %s", addr, s.Addr())
			}
			got, err := c.Get(ctx, "k").Result()
			switch {
			case tt.wantKept && (err != nil || got != "v"):
				t.Fatalf("after restart: got %q, %v; want v", got, err)
			case !tt.wantKept && !errors.Is(err, redis.Nil):
				t.Fatalf("after restart: got %q, %v; want redis.Nil", got, err)
			}
		})
	}
}

func TestServersAreIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers share %s", a.Addr())
	}
	if err := a.Client().Set(ctx, "only-a", "1", 0).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	if n, err := b.Client().Exists(ctx, "only-a").Result(); err != nil || n != 0 {
		t.Fatalf("key leaked to second server: %d, %v", n, err)
	}
}
