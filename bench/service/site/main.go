// Command site serves the pages of bench/service/run.sh: N result pages of
// about 15 KB with ten links each, the batch of jobs that crawls them, and
// fetch counts, so the script can check that every page was fetched.
//
//	GET /page/N      page N (0 ≤ N < -pages), answered -latency after the
//	                 request arrived (a remote site's round trip)
//	GET /batch.json  {"jobs":[...]}: one http job per page, asking for the
//	                 rank of its target link
//	GET /stats       {"fetches":F,"unique":U,"busy_s":B}: B is the summed time
//	                 from each page request's arrival to its answer, so
//	                 its growth over a span of time, divided by the span,
//	                 is the mean number of pages in flight
//
// It listens on -addr and writes the address it got to -addr-file.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addr-file", "", "write the listen address here once listening")
	pages := flag.Int("pages", 10_000, "number of pages")
	size := flag.Int("size", 15_000, "approximate page size in bytes")
	markup := flag.String("markup", "plain", "filler markup: plain (paragraphs, like bench/crawl) or rich (adds tables and inline elements)")
	latency := flag.Duration("latency", 0, "delay before each page is answered, e.g. 20ms")
	flag.Parse()
	if *markup != "plain" && *markup != "rich" {
		log.Fatalf("site: -markup=%q: want plain or rich", *markup)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	s := &site{pages: *pages, latency: *latency, base: "http://" + ln.Addr().String(), filler: filler(*size, *markup == "rich"), seen: make([]atomic.Bool, *pages)}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page/{n}", s.page)
	mux.HandleFunc("GET /batch.json", s.batch)
	mux.HandleFunc("GET /stats", s.stats)
	log.Fatal(http.Serve(ln, mux))
}

type site struct {
	pages   int
	latency time.Duration
	base    string
	filler  []byte // shared body text: pages differ only in title and links

	fetches, unique atomic.Int64
	busyNS          atomic.Int64 // summed page request durations
	seen            []atomic.Bool
	bufs            sync.Pool // *[]byte page buffers
}

// rank is where page n's target sits among its ten items.
func rank(n int) int { return n%10 + 1 }

// page writes page n. It is built with appends into a pooled buffer, so
// the site costs both crawlers it serves as little CPU as it can: on a
// 2-core machine every cycle the site spends is one the crawler lacks.
func (s *site) page(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { s.busyNS.Add(int64(time.Since(start))) }()
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= s.pages {
		http.NotFound(w, r)
		return
	}
	if s.latency > 0 {
		// A client that gives up early frees its handler at once.
		t := time.NewTimer(s.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.fetches.Add(1)
	if !s.seen[n].Swap(true) {
		s.unique.Add(1)
	}

	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, len(s.filler)+2048)
		bp = &b
	}
	b := append((*bp)[:0], "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Result page "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, "</title></head>\n<body><h1>Results "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, "</h1><ul class=\"results\">\n"...)
	for i := 1; i <= 10; i++ {
		b = append(b, `<li class="item"><a href="`...)
		if i == rank(n) {
			b = append(b, "https://target.example/"...)
			b = strconv.AppendInt(b, int64(n), 10)
		} else {
			b = append(b, "/page/"...) // links back into the site, like a real listing
			b = strconv.AppendInt(b, int64((n*7+i)%s.pages), 10)
		}
		b = append(b, `">Result `...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, " of page "...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, "</a> <span>snippet "...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "</span></li>\n"...)
	}
	b = append(b, "</ul>\n"...)
	b = append(b, s.filler...)
	b = append(b, "</body></html>\n"...)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	*bp = b
	s.bufs.Put(bp)
}

func (s *site) batch(w http.ResponseWriter, _ *http.Request) {
	type rankSpec struct {
		Selector string `json:"selector"`
		Match    string `json:"match"`
	}
	type job struct {
		URL    string   `json:"url"`
		Method string   `json:"method"`
		Rank   rankSpec `json:"rank"`
	}
	jobs := make([]job, s.pages)
	for n := range jobs {
		jobs[n] = job{
			URL: fmt.Sprintf("%s/page/%d", s.base, n), Method: "http",
			Rank: rankSpec{Selector: "li.item", Match: fmt.Sprintf("target.example/%d", n)},
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"jobs": jobs})
}

func (s *site) stats(w http.ResponseWriter, _ *http.Request) {
	out := map[string]any{"fetches": s.fetches.Load(), "unique": s.unique.Load(), "busy_s": float64(s.busyNS.Load()) / 1e9}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// filler is about size bytes of body text. Plain is paragraphs only, the
// markup of bench/crawl's site; rich mixes in tables and inline elements,
// which the rank package's streaming reader leaves to the full tree parser.
func filler(size int, rich bool) []byte {
	var b strings.Builder
	for i := 0; b.Len() < size-1200; i++ {
		kind := i % 3
		if !rich {
			kind = 0
		}
		switch kind {
		case 0:
			fmt.Fprintf(&b, "<p class=\"desc\">Paragraph %d: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>\n", i)
		case 1:
			fmt.Fprintf(&b, "<table><tr><td>cell %d</td><td>value</td><td><b>bold</b> <i>italic</i></td></tr></table>\n", i)
		default:
			fmt.Fprintf(&b, "<div class=\"meta\"><span>tag %d</span><span>tag %d</span><em>note</em></div>\n", i, i+1)
		}
	}
	b.WriteString("<footer><p>footer</p></footer>\n")
	return []byte(b.String())
}
