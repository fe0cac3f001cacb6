package browser

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

// TestMain makes the test process a child subreaper, so a Chromium whose
// driver died is re-parented here rather than to init and still counts
// below; then, after every test, it checks that no Chromium or driver
// process and no goroutine is left.
func TestMain(m *testing.M) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "prctl(PR_SET_CHILD_SUBREAPER):", errno)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if left := browserProcs(os.Getpid()); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "after the tests, %d chromium/node processes are left: %v\n", len(left), left)
			code = 1
		}
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

const prSetChildSubreaper = 36
