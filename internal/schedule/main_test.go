package schedule_test

import (
	"testing"

	"go.uber.org/goleak"
)

// go-redis retries a failed dial from a goroutine that sleeps up to a
// second before noticing its pool is closed; tests that kill Redis leave one.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}
