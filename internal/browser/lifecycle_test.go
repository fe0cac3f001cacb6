package browser

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
)

// hangSite serves a page that never finishes and says when a request for
// it arrived and part of the page was sent.
func hangSite(t testing.TB) (string, <-chan struct{}) {
	t.Helper()
	arrived := make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		// Some body, so the navigation commits and the page has its
		// renderer before the test harms it.
		fmt.Fprint(w, "<!doctype html><title>Hang</title><p>"+strings.Repeat("loading ", 512))
		w.(http.Flusher).Flush()
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", arrived
}

// current is the running instance.
func current(t testing.TB, f *Fetcher) *instance {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil {
		t.Fatal("no browser running")
	}
	return f.cur
}

// browserPID is Chromium's main process: the driver's Chromium child.
func browserPID(t testing.TB, inst *instance) int {
	t.Helper()
	for _, p := range descendants(inst.pw.Pid()) {
		if p.ppid == inst.pw.Pid() && strings.HasPrefix(p.comm, "chrom") {
			return p.pid
		}
	}
	t.Fatalf("no Chromium below driver %d", inst.pw.Pid())
	return 0
}

// TestLostBrowserRelaunches: whatever takes the browser away under a
// running job, the job fails at once as a browser error, and the next job
// gets a fresh browser while the old processes go away.
func TestLostBrowserRelaunches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      func(t *testing.T, inst *instance)
		wantIs     error
		wantReason string
	}{
		{name: "renderer crash", wantIs: ErrCrashed, wantReason: ReasonRenderer, fault: func(t *testing.T, inst *instance) {
			// As the kernel's OOM killer would: every renderer of this
			// browser, the job's among them.
			killed := 0
			for _, p := range descendants(inst.pw.Pid()) {
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid))
				if strings.Contains(string(cmdline), "--type=renderer") && syscall.Kill(p.pid, syscall.SIGKILL) == nil {
					killed++
				}
			}
			if killed == 0 {
				t.Fatal("no renderer to kill")
			}
		}},
		{name: "browser killed", wantIs: ErrDisconnected, wantReason: ReasonDisconnected, fault: func(t *testing.T, inst *instance) {
			if err := syscall.Kill(browserPID(t, inst), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "driver killed", wantIs: ErrDisconnected, wantReason: ReasonDisconnected, fault: func(t *testing.T, inst *instance) {
			if err := syscall.Kill(inst.pw.Pid(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t, newCanary(t).url())
			hang, arrived := hangSite(t)
			f, reader := newTestFetcher(t, Config{})
			if _, err := get(context.Background(), f, site.URL+"/static", ""); err != nil {
				t.Fatal(err)
			}
			inst := current(t, f)
			old := driverTree(t, f)
			done := make(chan error, 1)
			go func() {
				_, err := get(context.Background(), f, hang, "")
				done <- err
			}()
			<-arrived
			within(t, 20*time.Second, "the hanging page commits", func() bool {
				for _, bctx := range inst.browser.Contexts() {
					for _, pg := range bctx.Pages() {
						if pg.URL() == hang {
							return true
						}
					}
				}
				return false
			})
			start := time.Now()
			tt.fault(t, inst)
			select {
			case err := <-done:
				if crawler.TypeOf(err) != crawler.ErrBrowser || !errors.Is(err, tt.wantIs) {
					t.Errorf("in-flight job: %v, want a browser error wrapping %v", err, tt.wantIs)
				}
				t.Logf("in-flight job failed %s after the fault: %v", time.Since(start).Round(time.Millisecond), err)
			case <-time.After(20 * time.Second):
				t.Fatal("in-flight job still running 20s after the fault")
			}
			got, err := get(context.Background(), f, site.URL+"/js", "li.r")
			if err != nil {
				t.Fatalf("next job: %v; want a relaunched browser", err)
			}
			if r := rankPage(t, got, "target"); r.rank != 4 {
				t.Fatalf("next job: rank %d, want 4", r.rank)
			}
			if n := sum(t, reader, metrics.BrowserCrashes.Name, tt.wantReason); n != 1 {
				t.Errorf("%s{reason=%s} = %d, want 1", metrics.BrowserCrashes.Name, tt.wantReason, n)
			}
			if n := sum(t, reader, metrics.BrowserLaunches.Name, ""); n != 2 {
				t.Errorf("%s = %d, want 2", metrics.BrowserLaunches.Name, n)
			}
			assertGone(t, old)
		})
	}
}

// TestClose: Close is safe before a launch, twice, during a launch and
// during a job; a job after it fails; no process is left.
func TestClose(t *testing.T) {
	t.Parallel()
	t.Run("never launched, twice", func(t *testing.T) {
		t.Parallel()
		f, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
		_, err = get(context.Background(), f, "http://127.0.0.1:1/", "")
		if crawler.TypeOf(err) != crawler.ErrBrowser || !errors.Is(err, ErrClosed) {
			t.Fatalf("Fetch after Close: %v, want a browser error wrapping ErrClosed", err)
		}
	})
	t.Run("during a launch", func(t *testing.T) {
		t.Parallel()
		site := newSite(t, newCanary(t).url())
		f, _ := newTestFetcher(t, Config{})
		done := make(chan error, 1)
		go func() {
			_, err := get(context.Background(), f, site.URL+"/static", "")
			done <- err
		}()
		within(t, 10*time.Second, "a launch starts", func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.launching != nil
		})
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; crawler.TypeOf(err) != crawler.ErrBrowser || !errors.Is(err, ErrClosed) {
			t.Fatalf("job during Close: %v, want a browser error wrapping ErrClosed", err)
		}
		// The launch's processes are not known here; TestMain counts them.
	})
	t.Run("during a job", func(t *testing.T) {
		t.Parallel()
		hang, arrived := hangSite(t)
		f, _ := newTestFetcher(t, Config{})
		done := make(chan error, 1)
		go func() {
			_, err := get(context.Background(), f, hang, "")
			done <- err
		}()
		<-arrived
		tree := driverTree(t, f)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; crawler.TypeOf(err) != crawler.ErrBrowser {
			t.Fatalf("job cut by Close: %v, want a browser error", err)
		}
		assertGone(t, tree)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMissingInstall: without the driver or Chromium, a job fails with
// an error that says how to install them.
func TestMissingInstall(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	tests := []struct {
		name   string
		cfg    Config
		wantIs error
	}{
		{"driver", Config{DriverPath: t.TempDir()}, ErrDriverMissing},
		{"chromium", Config{ExecutablePath: "/nonexistent/chromium"}, ErrChromiumMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := newTestFetcher(t, tt.cfg)
			_, err := get(context.Background(), f, "http://127.0.0.1:1/", "")
			if crawler.TypeOf(err) != crawler.ErrBrowser || !errors.Is(err, tt.wantIs) {
				t.Fatalf("got %v, want a browser error wrapping %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), "scripts/install-browser.sh") {
				t.Errorf("error %q does not name scripts/install-browser.sh", err)
			}
		})
	}
}

// TestDriverOwnSession: the driver runs in a session of its own (the node
// wrapper of scripts/install-browser.sh), so a Ctrl-C in the terminal
// reaches only the crawler, which drains and then closes the browser.
func TestDriverOwnSession(t *testing.T) {
	t.Parallel()
	site := newSite(t, newCanary(t).url())
	f, _ := newTestFetcher(t, Config{})
	if _, err := get(context.Background(), f, site.URL+"/static", ""); err != nil {
		t.Fatal(err)
	}
	all := readProcs()
	self, driver := all[os.Getpid()], all[current(t, f).pw.Pid()]
	if driver.comm != "node" {
		t.Fatalf("driver process %v, want node", driver)
	}
	if driver.session == self.session {
		t.Fatalf("the driver shares the test's session %d: rerun scripts/install-browser.sh, whose node wrapper calls setsid", self.session)
	}
}
