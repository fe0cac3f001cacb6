package browser

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/netguard"
)

// DriverVersion is the Playwright driver the playwright-go module in go.mod
// was built for; scripts/install-browser.sh installs exactly this one.
const DriverVersion = "1.64.1"

// WaitUntil says when a page counts as rendered.
type WaitUntil string

// The wait strategies.
const (
	// WaitLoad waits for the load event: scripts ran, subresources (less
	// the blocked images, fonts and media) arrived.
	WaitLoad WaitUntil = "load"
	// WaitNetworkIdle also waits for 500 ms without network traffic, which
	// catches content fetched after load at about half a second a page.
	WaitNetworkIdle WaitUntil = "networkidle"
	// WaitSelector waits for load and then, when the job asks for a rank,
	// for the rank selector to match (at most Config.SelectorWait): the
	// late content networkidle catches, without its fixed half second. A
	// job without a rank waits for load.
	WaitSelector WaitUntil = "selector"
)

// Config configures a Fetcher. Every zero value means the default named on
// its field.
type Config struct {
	// ExecutablePath is the Chromium binary (/usr/lib/chromium/chromium,
	// else /usr/bin/chromium). Debian's Chromium is used because
	// Playwright's browser downloads are not reachable everywhere; the
	// path under /usr/lib skips Debian's shell wrapper.
	ExecutablePath string
	// DriverPath is the Playwright driver directory, holding package/cli.js
	// and node (PLAYWRIGHT_DRIVER_PATH; ~/.cache/ms-playwright-go/1.64.1).
	DriverPath string
	// Concurrency bounds the pages open at once (BROWSER_CONCURRENCY; 2).
	// Jobs beyond it wait, bounded only by their context, which also
	// bounds the job itself: the fetcher has no timeout of its own.
	Concurrency int
	// WaitUntil is the wait strategy (WaitSelector: a list a script
	// fetches may land after load, and the rank is what jobs ask for).
	WaitUntil WaitUntil
	// SelectorWait bounds the wait for the rank selector under WaitSelector
	// (5s), so a page that has no matching item does not spend the job's
	// whole deadline.
	SelectorWait time.Duration
	// LoadResources loads images, fonts and media too. By default they are
	// refused: the crawler reads the DOM, and they are most of a page's
	// bytes.
	LoadResources bool
	// UserAgent replaces Chromium's own user agent when set.
	UserAgent string
	// MaxBytes bounds a document (CRAWL_MAX_BODY_BYTES; 5 MiB): each
	// document response as it arrives, decompressed, and the rendered
	// DOM the fetcher reads. More is too_large.
	MaxBytes int64
	// MaxPageBytes bounds everything one page loads, decompressed, as
	// Chromium counts it and as the proxy passes it on (an https tunnel's
	// bytes as they are) (BROWSER_MAX_PAGE_BYTES; 5 × MaxBytes: 25 MiB by
	// default). Images, fonts and media are refused by default, so what
	// counts is documents, scripts, styles and data: a few MiB decoded for
	// a heavy script-built page. 5 × leaves room for the heaviest, and 25
	// MiB of scripts costs Chromium under 200 MB (TestDownloadsBounded).
	// More is too_large. At least MaxBytes.
	MaxPageBytes int64
	// LaunchTimeout bounds starting Chromium (60s).
	LaunchTimeout time.Duration

	// Policy decides which addresses any request of a page may reach.
	Policy netguard.Policy
	// Resolver resolves host names for the policy (net.DefaultResolver).
	Resolver *net.Resolver

	// targetRoots are the roots the proxy verifies targets' certificates
	// against (nil: the system's): the tests' https servers have their own.
	targetRoots *x509.CertPool

	// MeterProvider receives the browser's health instruments (none).
	MeterProvider metric.MeterProvider
	// Logger receives launches, crashes and relaunches (discarded).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.ExecutablePath == "" {
		c.ExecutablePath = "/usr/lib/chromium/chromium"
		if _, err := os.Stat(c.ExecutablePath); err != nil {
			c.ExecutablePath = "/usr/bin/chromium"
		}
	}
	if c.DriverPath == "" {
		// playwright-go's own default; an unknown home leaves it empty and
		// the first launch reports the driver missing.
		if home, err := os.UserHomeDir(); err == nil {
			c.DriverPath = filepath.Join(home, ".cache", "ms-playwright-go", DriverVersion)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Concurrency == 0 {
		c.Concurrency = 2
	}
	def(&c.SelectorWait, 5*time.Second)
	def(&c.LaunchTimeout, 60*time.Second)
	if c.WaitUntil == "" {
		c.WaitUntil = WaitSelector
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = 5 << 20
	}
	if c.MaxPageBytes == 0 {
		c.MaxPageBytes = max(5*c.MaxBytes, c.MaxBytes) // the max guards an overflow
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Concurrency < 0:
		return fmt.Errorf("browser: concurrency %d: %w", c.Concurrency, ErrInvalidConfig)
	case c.SelectorWait < 0, c.LaunchTimeout < 0:
		return fmt.Errorf("browser: negative duration: %w", ErrInvalidConfig)
	case c.MaxBytes < 0, c.MaxPageBytes < 0:
		return fmt.Errorf("browser: max bytes %d, max page bytes %d: %w", c.MaxBytes, c.MaxPageBytes, ErrInvalidConfig)
	}
	if d := c.withDefaults(); d.MaxPageBytes < d.MaxBytes {
		return fmt.Errorf("browser: max page bytes %d below max bytes %d: %w", d.MaxPageBytes, d.MaxBytes, ErrInvalidConfig)
	}
	switch c.WaitUntil {
	case "", WaitLoad, WaitNetworkIdle, WaitSelector:
		return nil
	}
	return fmt.Errorf("browser: wait strategy %q (want load, networkidle or selector): %w", c.WaitUntil, ErrInvalidConfig)
}

// chromiumArgs are the switches every launch gets besides Playwright's own
// headless defaults.
func chromiumArgs() []string {
	return []string{
		// Containers give /dev/shm 64 MB and no user namespaces.
		"--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		// Chromium's own traffic (updates, sync, field trials) has no place
		// in a crawler, and would pass the proxy under our name.
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run",
		// WebRTC's UDP does not go through the proxy; forbid it rather
		// than let it reach addresses the policy refuses.
		"--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
	}
}
