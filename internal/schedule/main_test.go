package schedule_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/crawler-service/crawler/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, redistest.IgnoreRedial())
}
