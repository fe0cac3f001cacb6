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
// process and no goroutine is left. No goroutine of playwright-go needs
// ignoring: Close ends them all.
func TestMain(m *testing.M) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "prctl(PR_SET_CHILD_SUBREAPER):", errno)
		os.Exit(1)
	}
	// Drivers put Chromium's profile under TMPDIR, and one that is killed
	// cannot remove it: keep them where the tests clean up.
	tmp, err := os.MkdirTemp("", "browser-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Setenv("TMPDIR", tmp); err != nil {
		fmt.Fprintln(os.Stderr, err)
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
	// Orphans re-parented here were not ours to wait for; now that every
	// driver is stopped, reap them rather than hand zombies to init.
	for {
		var ws syscall.WaitStatus
		if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
			break
		}
	}
	_ = os.RemoveAll(tmp)
	os.Exit(code)
}

const prSetChildSubreaper = 36
