package redistest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/redistest"
)

// Each server's waiter goroutine must end with its process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}
