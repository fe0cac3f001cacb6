package queue_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/redistest"
)

// The queue owns no goroutines: Complete and Read share round trips without
// a background sender, so nothing may outlive the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}
