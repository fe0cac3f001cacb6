package otel_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// Provider a test builds must be shut down, every fake server closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
