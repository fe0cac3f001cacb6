// Command colly runs the crawl benchmark's workload with Colly, for
// comparison. It is its own module so Colly's dependencies stay out of the
// service's go.mod. Run from this directory: go run . (see ../run.sh).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/crawler-service/crawler/bench/crawl/site"
)

type report struct {
	Client      string  `json:"client"`
	Pages       int     `json:"pages"`
	Errors      int64   `json:"errors"`
	Ranked      int64   `json:"ranked"`
	Seconds     float64 `json:"seconds"`
	PagesPerSec float64 `json:"pages_per_sec"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
	MBPerSec    float64 `json:"mb_per_sec"`
	CPUms       float64 `json:"cpu_ms_per_page"`
}

func main() {
	pages := flag.Int("pages", 10000, "pages to fetch")
	size := flag.Int("size", 15*1024, "bytes per page")
	links := flag.Int("links", 10, "links per page")
	conc := flag.Int("concurrency", 32, "requests in flight")
	external := flag.String("site", "", "crawl bench/service/site at this base URL (its /page/N, ranking the item that links to target.example/N) instead of serving bench/crawl's site in process")
	flag.Parse()

	c := colly.NewCollector(colly.Async(true), colly.AllowURLRevisit())
	c.WithTransport(&http.Transport{MaxIdleConnsPerHost: *conc, MaxIdleConns: *conc})
	_ = c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: *conc})
	var errs, ranked, total atomic.Int64
	var pagePath func(n int) string
	if *external != "" {
		// The service's job on the service's site: the 1-based position of
		// the li.item whose text or link names target.example/N.
		pagePath = func(n int) string { return *external + "/page/" + strconv.Itoa(n) }
		c.OnHTML("body", func(e *colly.HTMLElement) {
			want := "target.example/" + strings.TrimPrefix(e.Request.URL.Path, "/page/")
			e.ForEachWithBreak("li.item", func(_ int, li *colly.HTMLElement) bool {
				if strings.Contains(li.ChildAttr("a", "href"), want) || strings.Contains(strings.ToLower(li.Text), want) {
					ranked.Add(1)
					return false
				}
				return true
			})
		})
	} else {
		s := site.New(*pages, *size, *links)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(l) }()
		defer srv.Close()
		base := "http://" + l.Addr().String()
		pagePath = func(n int) string { return base + s.Path(n) }
		// The same work as the httpfetch client: find the item whose text
		// names the page's eighth link and note its 1-based position.
		c.OnHTML("ul.results", func(e *colly.HTMLElement) {
			n, _ := strconv.Atoi(strings.TrimPrefix(e.Request.URL.Path, "/p/"))
			want := fmt.Sprintf("result %d for", s.Link(n, 7))
			e.ForEachWithBreak("li.item", func(i int, li *colly.HTMLElement) bool {
				if strings.Contains(strings.ToLower(li.Text), want) {
					ranked.Add(1)
					return false
				}
				return true
			})
		})
	}
	c.OnResponse(func(r *colly.Response) { total.Add(int64(len(r.Body))) })
	c.OnError(func(_ *colly.Response, err error) {
		if errs.Add(1) == 1 {
			fmt.Fprintln(os.Stderr, "first error:", err)
		}
	})
	start := time.Now()
	for n := range *pages {
		_ = c.Visit(pagePath(n))
	}
	c.Wait()
	secs := time.Since(start).Seconds()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	_ = json.NewEncoder(os.Stdout).Encode(report{
		Client: "colly", Pages: *pages, Errors: errs.Load(), Ranked: ranked.Load(), Seconds: secs,
		PagesPerSec: float64(*pages) / secs, PeakRSSMB: float64(ru.Maxrss) / 1024,
		MBPerSec: float64(total.Load()) / secs / 1e6, CPUms: cpu * 1000 / float64(*pages),
	})
}
