package redistest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Each server's waiter goroutine must end with its process.
// go-redis keeps re-dialling a server that went away for up to a second
// after its client is closed; that goroutine ends on its own.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}
