package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// crawlerBin is the binary every test runs, built once by TestMain.
var crawlerBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// runMain is TestMain's body, so deferred clean-up runs before os.Exit.
func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "crawler-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	crawlerBin = filepath.Join(dir, "crawler")
	build := exec.Command("go", "build", "-tags", "grpcnotrace", "-o", crawlerBin, "github.com/crawler-service/crawler/cmd/crawler")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: go build ./cmd/crawler:", err)
		return 1
	}
	code := m.Run()
	// Every test kills its own processes; anything still here is a leak
	// that would outlive the run and hold ports.
	if left := children(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "integration: processes left behind: %s\n", strings.Join(left, "; "))
		for _, c := range left {
			if pid, err := strconv.Atoi(strings.Fields(c)[0]); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if code == 0 {
			code = 1
		}
	}
	return code
}
