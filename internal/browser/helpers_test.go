package browser

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/rank"
)

// requireBrowser fails the test, naming the install script, when Chromium
// or the Playwright driver is missing: these tests are the point of the
// package and never skip.
func requireBrowser(t testing.TB) {
	t.Helper()
	cfg := Config{}.withDefaults()
	if _, err := os.Stat(cfg.ExecutablePath); err != nil {
		t.Fatalf("no Chromium at %s: run scripts/install-browser.sh (apt-get install -y chromium)", cfg.ExecutablePath)
	}
	if _, err := os.Stat(cfg.DriverPath + "/package/cli.js"); err != nil {
		t.Fatalf("no Playwright driver %s at %s: run scripts/install-browser.sh", DriverVersion, cfg.DriverPath)
	}
}

// onlyLoopback1 is the test policy: the test servers on 127.0.0.1 are
// allowed on purpose, and nothing else that is not public; so 127.0.0.2,
// where a canary listens, stands for an internal address.
func onlyLoopback1() netguard.Policy {
	return netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

// newTestFetcher builds a Fetcher with a ManualReader and closes it at
// the end of the test, checking that its processes are gone.
func newTestFetcher(t testing.TB, cfg Config) (*Fetcher, *sdkmetric.ManualReader) {
	t.Helper()
	requireBrowser(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	cfg.MeterProvider = mp
	if cfg.Resolver == nil {
		cfg.Resolver = dnstest.Start(t, nil).Resolver()
	}
	if cfg.Policy.Allow == nil && !cfg.Policy.AllowPrivate {
		cfg.Policy = onlyLoopback1()
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var tree []proc
		f.mu.Lock()
		running := f.cur != nil
		f.mu.Unlock()
		if running {
			tree = driverTree(t, f)
		}
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		assertGone(t, tree)
		_ = mp.Shutdown(context.Background())
	})
	return f, reader
}

// canary listens on 127.0.0.2, which the test policy refuses, and counts
// the connections that reach it: there must be none.
type canary struct {
	ln    net.Listener
	conns atomic.Int64
}

func newCanary(t testing.TB) *canary {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	c := &canary{ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.conns.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return c
}

func (c *canary) url() string { return "http://" + c.ln.Addr().String() }

// site serves the test pages. The result lists are built by script, so a
// plain HTTP fetch finds no items.
func newSite(t testing.TB, canaryURL string) *httptest.Server {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `["https://one.example/a","https://two.example/b","https://target.example/c"]`)
	}))
	t.Cleanup(api.Close)
	mux := http.NewServeMux()
	page := func(path, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		})
	}
	page("/static", `<!doctype html><title>Static</title><ol>
		<li class="r"><a href="https://one.example/">one</a></li>
		<li class="r"><a href="https://target.example/">target</a></li></ol>`)
	page("/js", `<!doctype html><title>Script</title><ol id="list"></ol><script>
		for (const h of ["one", "two", "three", "target"]) {
			const li = document.createElement("li"); li.className = "r";
			li.innerHTML = '<a href="https://' + h + '.example/">' + h + '</a>';
			document.getElementById("list").appendChild(li);
		}</script>`)
	page("/fetch", `<!doctype html><title>Fetched</title><ol id="list"></ol><script>
		fetch(`+"`"+api.URL+`/items`+"`"+`).then(r => r.json()).then(items => {
			document.getElementById("list").innerHTML =
				items.map(u => '<li class="r"><a href="' + u + '">' + u + '</a></li>').join("");
		});</script>`)
	page("/throws", `<!doctype html><title>Throws</title><ol id="list"><li class="r">target</li></ol><script>
		Promise.reject(undefined); setTimeout(() => { throw "no location"; }); throw new Error("uncaught");</script>`)
	// Items fetched DELAY ms after load (?delay=…, 400 by default): load
	// misses them, networkidle's 500 ms quiet window and the selector wait
	// do not.
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		delay := r.URL.Query().Get("delay")
		if _, err := strconv.Atoi(delay); err != nil {
			delay = "400"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Late</title><ol id="list"></ol><script>
		addEventListener("load", () => setTimeout(() => fetch(`+"`"+api.URL+`/items`+"`"+`)
			.then(r => r.json()).then(items => { document.getElementById("list").innerHTML =
				items.map(u => '<li class="r">' + u + '</li>').join(""); }), `+delay+`));</script>`)
	})
	page("/images", `<!doctype html><title>Images</title><img src="/img.png"><link rel=stylesheet href="/font.css">`)
	page("/leak", `<!doctype html><title>Leak</title>
		<iframe src="http://169.254.169.254/latest/meta-data/"></iframe>
		<img src="`+canaryURL+`/img">
		<script src="`+canaryURL+`/script.js"></script>
		<ol id="list"></ol><script>
		fetch("`+canaryURL+`/api").catch(() => {}).finally(() => {
			document.getElementById("list").innerHTML = '<li class="r">target</li>';
		});</script>`)
	page("/socket", `<!doctype html><title>Socket</title><ol id="list"></ol><script>
		const ws = new WebSocket("`+strings.Replace(canaryURL, "http:", "ws:", 1)+`/ws");
		ws.onerror = ws.onclose = () => { document.getElementById("list").innerHTML = '<li class="r">closed</li>'; };
		</script>`)
	page("/busy", `<!doctype html><title>Busy</title><script>
		addEventListener("load", () => setTimeout(() => { for (;;) {} }, 0));</script>`)
	mux.HandleFunc("/img.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		fmt.Fprint(w, "png")
	})
	mux.HandleFunc("/redirect-in", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/js", http.StatusFound)
	})
	mux.HandleFunc("/redirect-out", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, canaryURL+"/", http.StatusFound)
	})
	mux.HandleFunc("/redirect-out-tls", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(canaryURL, "http:", "https:", 1)+"/", http.StatusFound)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>Hang</title><p>never ends")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="data.bin"`)
		fmt.Fprint(w, "binary")
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Length", "16")
		_, _ = w.Write([]byte("%PDF-1.4\n%%EOF\n\n"))
	})
	mux.HandleFunc("/status/", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/status/"), "%d", &code)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<title>%d</title>", code)
	})
	// An error status with no body, which Chromium reports as a failed
	// navigation (ERR_HTTP_RESPONSE_CODE_FAILURE), not as a response.
	mux.HandleFunc("/empty-status/", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/empty-status/"), "%d", &code)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(code)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches raw, waiting for selector when it is not "".
func get(ctx context.Context, f *Fetcher, raw, selector string) (*fetch.Page, error) {
	return f.Fetch(ctx, request(raw, selector))
}

func request(raw, selector string) fetch.Request {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return fetch.Request{URL: u, Selector: selector}
}

// getWithin is get bounded by d, as the pipeline bounds a job.
func getWithin(t testing.TB, d time.Duration, f *Fetcher, raw, selector string) (*fetch.Page, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return get(ctx, f, raw, selector)
}

// ranked is what the pipeline's ranking step reads from a page.
type ranked struct {
	title string
	rank  int // 0: none
	items int
}

// rankPage ranks a fetched page as the pipeline does, items chosen by
// li.r: the browser's part is the rendered DOM, this is the proof it holds
// what the job asks about.
func rankPage(t testing.TB, p *fetch.Page, match string) ranked {
	t.Helper()
	return rankBy(t, p, "li.r", match)
}

func rankBy(t testing.TB, p *fetch.Page, selector, match string) ranked {
	t.Helper()
	if p == nil || !p.HTML {
		t.Fatalf("page %+v: want an HTML page", p)
	}
	q, err := rank.Compile(selector, match)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rank.Extract(context.Background(), p.Body, p.FinalURL, q)
	if err != nil {
		t.Fatalf("rank: %v", err)
	}
	r := ranked{title: got.Title, items: got.Items}
	if got.Rank != nil {
		r.rank = *got.Rank
	}
	return r
}

// sum reads an Int64 sum from the reader, 0 when not recorded; with attr
// set, only the point with that reason.
func sum(t testing.TB, r *sdkmetric.ManualReader, name, reason string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			s, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				t.Fatalf("%s is %T, want an int64 sum", name, m.Data)
			}
			for _, dp := range s.DataPoints {
				if v, _ := dp.Attributes.Value(metrics.AttrBrowserLoss); reason == "" || v.AsString() == reason {
					total += dp.Value
				}
			}
		}
	}
	return total
}

// within bounds a test's wait on a condition that has no blocking call.
func within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newCountingSite serves a page with an image, a font and a video, and
// counts the requests per path.
func newCountingSite(t testing.TB) (string, func(path string) int64) {
	t.Helper()
	var mu sync.Mutex
	hits := make(map[string]int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><title>R</title><img src="/img.png"><video src="/v.mp4" autoplay muted></video>
				<style>@font-face{font-family:F;src:url(/f.woff2)} body{font-family:F}</style><p>text</p>`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func(path string) int64 {
		mu.Lock()
		defer mu.Unlock()
		return hits[path]
	}
}

// newSlowSite serves a page that takes d to answer, and reports the most
// requests it served at once.
func newSlowSite(t testing.TB, d time.Duration) (string, func() int64) {
	t.Helper()
	var now, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r) // Chromium's own requests, such as /favicon.ico
			return
		}
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(d)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>Slow</title>")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", peak.Load
}

// testRoots trusts the certificate every httptest TLS server shows.
func testRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return roots
}
