package fetch

import (
	"fmt"
	"testing"
)

func TestHostLimiterForgetsIdleHosts(t *testing.T) {
	t.Parallel()
	l := NewHostLimiter(2, 0).(*hostLimiter)
	for i := range 10 * sweepEvery {
		release, err := l.Acquire(t.Context(), fmt.Sprintf("host%d.example", i))
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	if n := l.size(); n > sweepEvery {
		t.Fatalf("limiter keeps %d hosts after they went idle, want at most %d", n, sweepEvery)
	}
}
