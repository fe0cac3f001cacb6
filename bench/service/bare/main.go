// Command bare is the floor bench/service/run.sh compares the worker with:
// a plain net/http loop that fetches the same pages with the same
// concurrency and reads every body, with no queue, parsing or retries.
// It prints one JSON line: pages, seconds, pages per second, peak RSS.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	base := flag.String("base", "", "site address, e.g. http://127.0.0.1:8000")
	pages := flag.Int("pages", 10_000, "pages to fetch: /page/0 .. /page/N-1")
	concurrency := flag.Int("c", 32, "requests in flight")
	flag.Parse()
	if *base == "" {
		log.Fatal("bare: -base is required")
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: *concurrency, MaxIdleConnsPerHost: *concurrency,
	}}
	next := make(chan int)
	var failed, bytes atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				res, err := client.Get(*base + "/page/" + strconv.Itoa(n))
				if err != nil {
					failed.Add(1)
					continue
				}
				m, err := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				bytes.Add(m)
			}
		}()
	}
	for n := range *pages {
		next <- n
	}
	close(next)
	wg.Wait()
	secs := time.Since(start).Seconds()
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
		"impl": "bare net/http", "pages": *pages, "failed": failed.Load(), "bytes": bytes.Load(),
		"seconds": secs, "pages_per_s": float64(*pages) / secs, "peak_rss_mb": peakRSSMB(),
		"cpu_s": cpuSeconds(),
	})
}

// cpuSeconds is the user and system CPU time this process used: unlike
// pages/s it hardly moves with the machine's other load.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// peakRSSMB is this process's high-water resident set (VmHWM) in MB.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	fmt.Fprintln(os.Stderr, "bare: no VmHWM in /proc/self/status")
	return -1
}
