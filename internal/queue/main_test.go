package queue_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The queue owns no goroutines: Complete and Read share round trips without
// a background sender, so nothing may outlive the tests.
// go-redis keeps re-dialling a server that went away for up to a second
// after its client is closed; that goroutine ends on its own.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}
