// Command site serves the pages of bench/service/run.sh: N result pages of
// about 15 KB with ten links each, the batch of jobs that crawls them, and
// fetch counts, so the script can check that every page was fetched.
//
//	GET /page/N      page N (0 ≤ N < -pages)
//	GET /batch.json  {"jobs":[...]}: one http job per page, asking for the
//	                 rank of its target link
//	GET /stats       {"fetches":F,"unique":U}
//
// It listens on -addr and writes the address it got to -addr-file.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addr-file", "", "write the listen address here once listening")
	pages := flag.Int("pages", 10_000, "number of pages")
	size := flag.Int("size", 15_000, "approximate page size in bytes")
	markup := flag.String("markup", "plain", "filler markup: plain (paragraphs, like bench/crawl) or rich (adds tables and inline elements)")
	flag.Parse()
	if *markup != "plain" && *markup != "rich" {
		log.Fatalf("site: -markup=%q: want plain or rich", *markup)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	s := &site{pages: *pages, base: "http://" + ln.Addr().String(), filler: filler(*size, *markup == "rich")}
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
	pages  int
	base   string
	filler []byte // shared body text: pages differ only in title and links

	mu      sync.Mutex
	fetches int
	seen    map[int]bool
}

// rank is where page n's target sits among its ten items.
func rank(n int) int { return n%10 + 1 }

func (s *site) page(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= s.pages {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.fetches++
	if s.seen == nil {
		s.seen = map[int]bool{}
	}
	s.seen[n] = true
	s.mu.Unlock()

	var b strings.Builder
	b.Grow(len(s.filler) + 2048)
	fmt.Fprintf(&b, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Result page %d</title></head>\n<body><h1>Results %d</h1><ul class=\"results\">\n", n, n)
	for i := 1; i <= 10; i++ {
		href := fmt.Sprintf("/page/%d", (n*7+i)%s.pages) // links back into the site, like a real listing
		if i == rank(n) {
			href = fmt.Sprintf("https://target.example/%d", n)
		}
		fmt.Fprintf(&b, "<li class=\"item\"><a href=\"%s\">Result %d of page %d</a> <span>snippet %d</span></li>\n", href, i, n, i)
	}
	b.WriteString("</ul>\n")
	b.Write(s.filler)
	b.WriteString("</body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = io.WriteString(w, b.String())
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
	s.mu.Lock()
	out := map[string]int{"fetches": s.fetches, "unique": len(s.seen)}
	s.mu.Unlock()
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
