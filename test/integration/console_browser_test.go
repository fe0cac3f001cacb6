package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/crawler-service/crawler/internal/browser"
	"github.com/crawler-service/crawler/internal/crawler"
)

// flipSite answers 404 to every path until up is set, then a result page.
type flipSite struct {
	srv *httptest.Server
	up  atomic.Bool
}

func newFlipSite(t *testing.T) *flipSite {
	f := &flipSite{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.up.Load() {
			http.Error(w, "not here yet", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page(r.URL.Path))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flipSite) job(path string) jobRequest {
	return jobRequest{URL: f.srv.URL + path, Method: "http", Rank: &crawler.RankSpec{Selector: "li.item a", Match: targetFor(path)}}
}

// consoleBrowser is one Chromium page on the console, with what it saw.
type consoleBrowser struct {
	page playwright.Page

	mu        sync.Mutex
	problems  []string // console errors and warnings, page errors
	urls      []string // every URL the page requested
	firstLoad []playwright.Response
	loaded    bool
}

// openConsole starts the Playwright driver and Debian's Chromium the way
// the browser fetcher does, and opens url in a page that records console
// messages, page errors and CSP violations.
func openConsole(t *testing.T, url string) *consoleBrowser {
	t.Helper()
	exe := "/usr/lib/chromium/chromium"
	if _, err := os.Stat(exe); err != nil {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("no Chromium at /usr/lib/chromium/chromium or /usr/bin/chromium: run scripts/install-browser.sh (apt-get install -y chromium)")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	driver := filepath.Join(home, ".cache", "ms-playwright-go", browser.DriverVersion)
	if _, err := os.Stat(filepath.Join(driver, "package", "cli.js")); err != nil {
		t.Fatalf("no Playwright driver %s at %s: run scripts/install-browser.sh", browser.DriverVersion, driver)
	}
	pw, err := playwright.Run(&playwright.RunOptions{DriverDirectory: driver, SkipInstallBrowsers: true})
	if err != nil {
		t.Fatalf("start the Playwright driver: %v", err)
	}
	t.Cleanup(func() { _ = pw.Stop() })
	chromium, err := pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(exe),
		Args:           []string{"--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run"},
		Headless:       playwright.Bool(true),
	})
	if err != nil {
		t.Fatalf("launch %s: %v", exe, err)
	}
	t.Cleanup(func() { _ = chromium.Close() })
	bctx, err := chromium.NewContext(playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 1280, Height: 900}})
	if err != nil {
		t.Fatal(err)
	}
	pg, err := bctx.NewPage()
	if err != nil {
		t.Fatal(err)
	}
	pg.SetDefaultTimeout(15000)
	b := &consoleBrowser{page: pg}
	pg.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() == "error" || m.Type() == "warning" {
			where := ""
			if loc := m.Location(); loc != nil {
				where = " (" + loc.URL + ")"
			}
			b.add("console " + m.Type() + ": " + m.Text() + where)
		}
	})
	pg.OnPageError(func(err error) { b.add("page error: " + err.Error()) })
	pg.OnRequest(func(r playwright.Request) {
		b.mu.Lock()
		b.urls = append(b.urls, r.URL())
		b.mu.Unlock()
	})
	pg.OnResponse(func(r playwright.Response) {
		b.mu.Lock()
		if !b.loaded {
			b.firstLoad = append(b.firstLoad, r)
		}
		b.mu.Unlock()
	})
	if err := pg.AddInitScript(playwright.Script{Content: playwright.String(`window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Goto(url, playwright.PageGotoOptions{WaitUntil: playwright.WaitUntilStateLoad}); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	b.mu.Lock()
	b.loaded = true
	b.mu.Unlock()
	return b
}

func (b *consoleBrowser) add(p string) {
	b.mu.Lock()
	b.problems = append(b.problems, p)
	b.mu.Unlock()
}

// dropExpected forgets the console problems so far that contain what:
// errors a step caused on purpose.
func (b *consoleBrowser) dropExpected(what string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.problems[:0]
	for _, p := range b.problems {
		if !strings.Contains(p, what) {
			kept = append(kept, p)
		}
	}
	b.problems = kept
}

// notice is the console's notice line, where a failed action says why.
func (b *consoleBrowser) notice() string {
	s, _ := b.page.Locator("#notice").TextContent(playwright.LocatorTextContentOptions{Timeout: playwright.Float(1000)})
	return s
}

// waitJob waits for the job to reach state, naming the console's notice
// when it does not (an action the API refused says so there).
func (b *consoleBrowser) waitJob(ctx context.Context, c *cluster, id string, state crawler.State, limit time.Duration) (crawler.Status, error) {
	var st crawler.Status
	var err error
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if st, err = c.api.job(ctx, id); err == nil && st.State == state {
			return st, nil
		}
	}
	return st, fmt.Errorf("job %s: state %q (%v), want %s; console notice %q", id, st.State, err, state, b.notice())
}

// reportFirstLoad logs the bytes the first load transferred: the encoded
// response bodies, as Chromium received them.
func (b *consoleBrowser) reportFirstLoad(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	rs := append([]playwright.Response(nil), b.firstLoad...)
	b.mu.Unlock()
	total := 0
	var parts []string
	for _, r := range rs {
		sz, err := r.Request().Sizes()
		if err != nil {
			t.Errorf("sizes of %s: %v", r.URL(), err)
			continue
		}
		total += sz.ResponseBodySize
		enc, _ := r.HeaderValue("content-encoding")
		parts = append(parts, fmt.Sprintf("%s %d %s %dB", r.URL(), r.Status(), enc, sz.ResponseBodySize))
	}
	t.Logf("console first load: %d response body bytes transferred in %d responses (%s)", total, len(rs), strings.Join(parts, "; "))
}

// checkClean fails on any console error or warning, page error or CSP
// violation, and on any request that carried the token in its URL.
func (b *consoleBrowser) checkClean(t *testing.T, token string) {
	t.Helper()
	v, err := b.page.Evaluate(`() => window.__csp`)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := v.([]any); len(list) > 0 {
		t.Errorf("CSP violations: %v", list)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("%s", p)
	}
	for _, u := range b.urls {
		if strings.Contains(u, token) {
			t.Errorf("a request carried the token in its URL: %s", u)
		}
	}
	t.Logf("%d requests, %d console problems", len(b.urls), len(b.problems))
}
