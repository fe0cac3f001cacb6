// Command crawl benchmarks the HTTP fetcher against a bare net/http loop
// on a local synthetic site: pages per second and peak RSS, each client in
// its own child process so their memory is measured apart.
//
//	go run ./bench/crawl                # both, as a table
//	go run ./bench/crawl -mode httpfetch # one, as a JSON line
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/crawler-service/crawler/bench/crawl/site"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// Report is one client's figures; the Colly program prints the same shape.
type Report struct {
	Client      string  `json:"client"`
	Pages       int     `json:"pages"`
	Errors      int64   `json:"errors"`
	Ranked      int64   `json:"ranked"`
	Seconds     float64 `json:"seconds"`
	PagesPerSec float64 `json:"pages_per_sec"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
	// CPUms is user+system CPU per page, server included: on a shared
	// machine it is steadier than pages/s.
	CPUms    float64 `json:"cpu_ms_per_page"`
	MBPerSec float64 `json:"mb_per_sec"`
}

type workload struct{ pages, size, links, conc int }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "crawl:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	mode := fs.String("mode", "all", "all (every client, as a table), bare or httpfetch (one, as JSON)")
	pages := fs.Int("pages", 10000, "pages to fetch")
	size := fs.Int("size", 15*1024, "bytes per page")
	links := fs.Int("links", 10, "links per page")
	conc := fs.Int("concurrency", 32, "requests in flight")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of a single -mode run here")
	rounds := fs.Int("rounds", 3, "rounds of -mode all")
	colly := fs.String("colly", "", "path of the built bench/crawl/colly program, to compare with Colly")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *mode == "all" {
		return runAll(workload{*pages, *size, *links, *conc}, *rounds, *colly, stdout)
	}
	s := site.New(*pages, *size, *links)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	base := "http://" + l.Addr().String()

	var fetchOne func(ctx context.Context, n int) (ranked bool, bytes int64, err error)
	switch *mode {
	case "bare":
		fetchOne = bareFetcher(base, s, *conc)
	case "httpfetch":
		if fetchOne, err = httpfetchFetcher(base, s, *conc); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown -mode %q (valid: all, bare, httpfetch)", *mode)
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep := crawlAll(*mode, *pages, *conc, fetchOne)
	rep.PeakRSSMB = peakRSSMB()
	rep.CPUms = cpuSeconds() * 1000 / float64(rep.Pages)
	return json.NewEncoder(stdout).Encode(rep)
}

func bareFetcher(base string, s *site.Site, conc int) func(context.Context, int) (bool, int64, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxIdleConns: conc}}
	return func(ctx context.Context, n int) (bool, int64, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+s.Path(n), nil)
		if err != nil {
			return false, 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, 0, err
		}
		defer resp.Body.Close()
		b, err := io.Copy(io.Discard, resp.Body)
		return false, b, err
	}
}

// httpfetchFetcher fetches through the service's fetch pipeline with rank
// extraction: the match is the page's eighth link, so every page is parsed
// and eight items are examined.
func httpfetchFetcher(base string, s *site.Site, conc int) (func(context.Context, int) (bool, int64, error), error) {
	policy := netguard.Policy{AllowPrivate: true}
	f := httpfetch.New(httpfetch.Config{Policy: policy, MaxIdleConnsPerHost: conc})
	p, err := fetch.New(fetch.Config{Policy: policy, Hosts: fetch.NewHostLimiter(conc, 0), Timeout: 30 * time.Second,
		Fetchers: map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: f}})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, n int) (bool, int64, error) {
		job := crawler.Job{URL: base + s.Path(n), Method: crawler.MethodHTTP, Rank: &crawler.RankSpec{
			Selector: "li.item", Match: fmt.Sprintf("Result %d for", s.Link(n, 7)),
		}}
		res, _, err := p.Run(ctx, job)
		if err != nil {
			return false, 0, err
		}
		return res.Rank != nil, res.Bytes, nil
	}, nil
}

func crawlAll(name string, pages, conc int, fetchOne func(context.Context, int) (bool, int64, error)) Report {
	var next, errs, ranked, total atomic.Int64
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				n := int(next.Add(1) - 1)
				if n >= pages {
					return
				}
				ok, b, err := fetchOne(ctx, n)
				if err != nil {
					if errs.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "first error:", err)
					}
					continue
				}
				if ok {
					ranked.Add(1)
				}
				total.Add(b)
			}
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	return Report{Client: name, Pages: pages, Errors: errs.Load(), Ranked: ranked.Load(), Seconds: secs,
		PagesPerSec: float64(pages) / secs, MBPerSec: float64(total.Load()) / secs / 1e6}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMB reads VmHWM, the resident set's high-water mark.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// runAll runs each client in a child process (this binary, or the Colly
// program), so one client's heap does not inflate another's RSS. Rounds
// are interleaved and medians reported, which keeps a shared machine's
// changing load from favouring whichever client ran in a quiet moment.
func runAll(w workload, rounds int, colly string, stdout io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"-pages", strconv.Itoa(w.pages), "-size", strconv.Itoa(w.size),
		"-links", strconv.Itoa(w.links), "-concurrency", strconv.Itoa(w.conc)}
	clients := []struct{ name, bin string }{{"bare", self}, {"httpfetch", self}}
	if colly != "" {
		clients = append(clients, struct{ name, bin string }{"colly", colly})
	}
	reports := make(map[string][]Report)
	for range max(rounds, 1) {
		for _, c := range clients {
			cargs := args
			if c.bin == self {
				cargs = append([]string{"-mode", c.name}, args...)
			}
			rep, err := runChild(c.bin, cargs)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			reports[c.name] = append(reports[c.name], rep)
		}
	}
	fmt.Fprintf(stdout, "%d CPUs (GOMAXPROCS %d); %d pages of %d bytes, %d links each, concurrency %d; median of %d rounds\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), w.pages, w.size, w.links, w.conc, max(rounds, 1))
	fmt.Fprintf(stdout, "%-10s %10s %8s %10s %10s %7s\n", "client", "pages/s", "MB/s", "peak RSS", "CPU/page", "errors")
	for _, c := range clients {
		reps := reports[c.name]
		var errs int64
		var rss float64
		for _, r := range reps {
			errs += r.Errors
			rss = max(rss, r.PeakRSSMB)
		}
		fmt.Fprintf(stdout, "%-10s %10.0f %8.1f %7.1f MB %7.3f ms %7d\n", c.name,
			median(reps, func(r Report) float64 { return r.PagesPerSec }),
			median(reps, func(r Report) float64 { return r.MBPerSec }), rss,
			median(reps, func(r Report) float64 { return r.CPUms }), errs)
	}
	return nil
}

func runChild(bin string, args []string) (Report, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return Report{}, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var rep Report
		if err := json.Unmarshal(sc.Bytes(), &rep); err == nil && rep.Client != "" {
			return rep, nil
		}
	}
	return Report{}, errors.New("no report on stdout")
}

func median(reps []Report, f func(Report) float64) float64 {
	v := make([]float64, len(reps))
	for i, r := range reps {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}
