package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"
)

// BenchmarkRender compares the Fetcher with raw playwright-go rendering
// the same local page (a list built from a fetch() to a second server)
// with a new page per render in one shared context, at 1, 2 and 4 pages
// at once, for each wait strategy (raw does the same waits). The two take turns in rounds of a few pages each, so a load
// spike from elsewhere on the machine hits both alike. It reports pages/s
// of each, the Fetcher's overhead in per cent of raw time, and the peak
// proportional memory (PSS) of each one's process tree: driver, Chromium
// and its children.
//
//	go test -run '^$' -bench Render -benchtime 60x ./internal/browser/
func BenchmarkRender(b *testing.B) {
	requireBrowser(b)
	site := newSite(b, "http://127.0.0.2:9")
	target := site.URL + "/fetch"
	for _, wait := range []WaitUntil{WaitLoad, WaitSelector, WaitNetworkIdle} {
		for _, c := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("wait=%s/concurrency=%d", wait, c), func(b *testing.B) {
				raw := launchRaw(b)
				f, _ := newTestFetcher(b, Config{Concurrency: c, WaitUntil: wait})
				fetch := func() error {
					_, err := get(context.Background(), f, target, "li.r")
					return err
				}
				// Launch and warm both outside the measurement.
				if err := errors.Join(fetch(), raw.render(target, wait)); err != nil {
					b.Fatal(err)
				}
				rawPeak, fPeak := sampleTree(raw.pw.Pid()), sampleTree(current(b, f).pw.Pid())
				var rawTime, fTime time.Duration
				var ratios []float64
				round := 2 * c
				b.ResetTimer()
				for done := 0; done < b.N; done += round {
					n := min(round, b.N-done)
					// Alternate who goes first, so neither always meets the
					// other's leftovers (GC, closing pages).
					var r, ft time.Duration
					if len(ratios)%2 == 0 {
						r = runPages(b, n, c, func() error { return raw.render(target, wait) })
						ft = runPages(b, n, c, fetch)
					} else {
						ft = runPages(b, n, c, fetch)
						r = runPages(b, n, c, func() error { return raw.render(target, wait) })
					}
					rawTime, fTime = rawTime+r, fTime+ft
					ratios = append(ratios, ft.Seconds()/r.Seconds())
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/rawTime.Seconds(), "raw-pages/s")
				b.ReportMetric(float64(b.N)/fTime.Seconds(), "pages/s")
				// The median round, not the totals: a spike of load from
				// elsewhere lands on one side of one round.
				slices.Sort(ratios)
				b.ReportMetric(100*(ratios[len(ratios)/2]-1), "overhead-%")
				b.ReportMetric(float64(rawPeak())/(1<<20), "raw-peak-MB")
				b.ReportMetric(float64(fPeak())/(1<<20), "peak-MB")
			})
		}
	}
}

// runPages renders n pages on c goroutines and returns the time taken.
func runPages(b *testing.B, n, c int, render func() error) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := render(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// sampleTree samples the memory of the process tree below root every
// 20 ms until the benchmark ends, and returns a func reading its peak.
func sampleTree(root int) func() int64 {
	var peak atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			peak.Store(max(peak.Load(), treeMemory(root)))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	return func() int64 {
		close(stop)
		wg.Wait()
		return peak.Load()
	}
}

// treeMemory sums the proportional set size of root and its descendants:
// Chromium's processes share most of their pages, which RSS would count
// once per process. RSS stands in where smaps_rollup is missing.
func treeMemory(root int) int64 {
	var total int64
	for _, p := range append(descendants(root), proc{pid: root}) {
		total += procMemory(p.pid)
	}
	return total
}

func procMemory(pid int) int64 {
	for _, src := range []struct{ file, field string }{{"smaps_rollup", "Pss:"}, {"status", "VmRSS:"}} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, src.file))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, src.field); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// rawBrowser is playwright-go used directly, as its README shows, with
// the same Chromium and switches.
type rawBrowser struct {
	pw      *playwright.Playwright
	browser playwright.Browser
	bctx    playwright.BrowserContext
}

func launchRaw(b *testing.B) *rawBrowser {
	b.Helper()
	cfg := Config{}.withDefaults()
	pw, err := playwright.Run(&playwright.RunOptions{DriverDirectory: cfg.DriverPath, SkipInstallBrowsers: true})
	if err != nil {
		b.Fatal(err)
	}
	r := &rawBrowser{pw: pw}
	b.Cleanup(func() {
		if r.browser != nil {
			_ = r.browser.Close()
		}
		_ = pw.Stop()
	})
	if r.browser, err = pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(cfg.ExecutablePath), Args: chromiumArgs(),
	}); err != nil {
		b.Fatal(err)
	}
	if r.bctx, err = r.browser.NewContext(); err != nil {
		b.Fatal(err)
	}
	return r
}

func (r *rawBrowser) render(target string, wait WaitUntil) error {
	pg, err := r.bctx.NewPage()
	if err != nil {
		return err
	}
	defer pg.Close()
	state := playwright.WaitUntilStateLoad
	if wait == WaitNetworkIdle {
		state = playwright.WaitUntilStateNetworkidle
	}
	if _, err := pg.Goto(target, playwright.PageGotoOptions{WaitUntil: state}); err != nil {
		return err
	}
	if wait == WaitSelector {
		if _, err := pg.WaitForSelector("css=li.r", playwright.PageWaitForSelectorOptions{
			State: playwright.WaitForSelectorStateAttached,
		}); err != nil {
			return err
		}
	}
	_, err = pg.Content()
	return err
}
