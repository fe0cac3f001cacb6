package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/mxschmitt/playwright-go"
)

// instance is one driver, one Chromium and its guard proxy; each job opens
// a browser context of its own on it. A crash or disconnect retires it: new
// jobs get a fresh instance, and the old one is closed when its last page
// is done.
type instance struct {
	pw      *playwright.Playwright
	browser playwright.Browser
	proxy   *guardProxy
	// probe is an empty context that alive asks something trivial: a
	// driver that died says nothing to the Browser object itself.
	probe playwright.BrowserContext

	// Guarded by Fetcher.mu.
	refs    int
	retired bool
	closed  bool

	closing atomic.Bool // we are closing it: a disconnect is not a crash
	lost    atomic.Bool // it disconnected or a renderer crashed
}

// launch starts a driver, its proxy and Chromium. On failure it leaves
// nothing running.
func (f *Fetcher) launch() (_ *instance, err error) {
	cli := filepath.Join(f.cfg.DriverPath, "package", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("browser: no Playwright driver %s at %q (run scripts/install-browser.sh): %w",
			DriverVersion, f.cfg.DriverPath, ErrDriverMissing)
	}
	if _, err := os.Stat(f.cfg.ExecutablePath); err != nil {
		return nil, fmt.Errorf("browser: no Chromium at %s (run scripts/install-browser.sh, or apt-get install -y chromium): %w",
			f.cfg.ExecutablePath, ErrChromiumMissing)
	}
	// playwright-go fills in the options it is given, and given a filled
	// Stderr it redirects the standard logger: a fresh struct each call.
	opts := func() *playwright.RunOptions {
		return &playwright.RunOptions{DriverDirectory: f.cfg.DriverPath, SkipInstallBrowsers: true}
	}
	if !f.patched {
		// Install downloads nothing when the driver is present; it applies
		// playwright-go's patch to the driver bundle (page errors without a
		// location), once per process. A read-only driver directory that
		// was never patched still runs, so that is only a warning.
		if err := playwright.Install(opts()); err != nil {
			f.log.Warn("browser: could not patch the Playwright driver bundle", "driver", f.cfg.DriverPath, "error", err)
		}
		f.patched = true
	}
	inst := &instance{}
	defer func() {
		if err != nil {
			inst.shutdown(f.cfg.LaunchTimeout)
		}
	}()
	if inst.pw, err = playwright.Run(opts()); err != nil {
		return nil, fmt.Errorf("browser: start driver in %s (run scripts/install-browser.sh): %w", f.cfg.DriverPath, err)
	}
	inst.proxy, err = startProxy(proxyConfig{policy: f.cfg.Policy, resolver: f.cfg.Resolver, onBlocked: f.blockedRequest,
		maxDoc: f.cfg.MaxBytes, maxPage: f.cfg.MaxPageBytes, targetRoots: f.cfg.targetRoots})
	if err != nil {
		return nil, err
	}
	inst.browser, err = inst.pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(f.cfg.ExecutablePath),
		Args:           chromiumArgs(),
		Headless:       playwright.Bool(true),
		// Each job's context has a proxy address of its own; traffic
		// outside them meets this one, which refuses it all. Playwright
		// sends loopback through proxies too (<-loopback>).
		Proxy:   &playwright.Proxy{Server: "http://" + inst.proxy.addr()},
		Timeout: playwright.Float(ms(f.cfg.LaunchTimeout)),
		// The Go process owns shutdown; the driver dies with its stdin.
		HandleSIGINT:  playwright.Bool(false),
		HandleSIGTERM: playwright.Bool(false),
		HandleSIGHUP:  playwright.Bool(false),
	})
	if err != nil {
		return nil, fmt.Errorf("browser: launch %s: %w", f.cfg.ExecutablePath, err)
	}
	inst.browser.OnDisconnected(func(playwright.Browser) { f.lose(inst, ReasonDisconnected) })
	if inst.probe, err = inst.browser.NewContext(); err != nil {
		return nil, fmt.Errorf("browser: new context: %w", err)
	}
	f.m.Launched(context.Background())
	f.log.Info("browser launched", "executable", f.cfg.ExecutablePath, "version", inst.browser.Version(), "driver_pid", inst.pw.Pid())
	return inst, nil
}

// shutdown closes Chromium, the driver and the proxy, each bounded by
// timeout: a wedged browser is killed with its driver, whose pipe Chromium
// treats as its lifeline.
func (inst *instance) shutdown(timeout time.Duration) {
	inst.closing.Store(true)
	if inst.browser != nil {
		bounded(timeout, func() { _ = inst.browser.Close() }, inst.killDriver)
	}
	if inst.pw != nil {
		bounded(timeout, func() { _ = inst.pw.Stop() }, inst.killDriver)
	}
	if inst.proxy != nil {
		inst.proxy.close()
	}
}

func (inst *instance) killDriver() {
	if inst.pw == nil || inst.pw.Pid() == 0 {
		return
	}
	if p, err := os.FindProcess(inst.pw.Pid()); err == nil {
		_ = p.Kill()
	}
}

// bounded runs fn and, if it has not returned within d, calls unstick,
// which must make fn return; it then waits for fn.
func bounded(d time.Duration, fn, unstick func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		unstick()
		<-done
	}
}

// healthy reports whether new jobs may use the instance.
func (inst *instance) healthy() bool {
	return !inst.lost.Load() && inst.browser.IsConnected()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
