package porttest_test

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/crawler-service/crawler/internal/porttest"
)

func TestRefused(t *testing.T) {
	addr := porttest.Refused(t)
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial %s: %v, want connection refused", addr, err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Errorf("a server could take %s", addr)
	}
}
