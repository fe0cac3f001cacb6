package browser

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// helperURLEnv tells the test binary, run again as a child, to hold a
// browser open on this URL until it is killed.
const helperURLEnv = "BROWSER_TEST_HOLD_URL"

// TestKilledProcessLeavesNothing: when the process holding a Fetcher is
// SIGKILLed and runs no cleanup, its driver sees its stdin close and ends
// Chromium, so nothing is left behind.
func TestKilledProcessLeavesNothing(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	site := newSite(t, newCanary(t).url())
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsBrowser$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperURLEnv+"="+site.URL+"/js")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "holding") {
				ready <- sc.Text()
			}
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		if !ok {
			t.Fatal("helper ended without holding a browser")
		}
		t.Log(line)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("helper did not hold a browser within 60s")
	}
	tree := browserProcs(cmd.Process.Pid)
	if len(tree) < 2 {
		t.Fatalf("helper runs %v, want a driver and Chromium", tree)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for len(alive(tree)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := alive(tree); len(left) > 0 {
		t.Fatalf("10s after SIGKILL, %d of %d browser processes still run: %v", len(left), len(tree), left)
	}
}

// TestHelperHoldsBrowser is the child of TestKilledProcessLeavesNothing;
// run by itself it does nothing.
func TestHelperHoldsBrowser(t *testing.T) {
	target := os.Getenv(helperURLEnv)
	if target == "" {
		return
	}
	f, err := New(Config{Policy: onlyLoopback1()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := get(context.Background(), f, target, "li.r"); err != nil {
		t.Fatal(err)
	}
	fmt.Println("holding a browser")
	time.Sleep(2 * time.Minute) // until killed
}
