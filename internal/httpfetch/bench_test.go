package httpfetch_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

// BenchmarkFetch fetches a 15 KB results page from a loopback server and
// ranks it, from as many goroutines as GOMAXPROCS; the server shares the
// CPUs, as in bench/crawl.
func BenchmarkFetch(b *testing.B) {
	var page strings.Builder
	page.WriteString("<!doctype html><html><head><title>Results</title></head><body><ol>")
	for i := range 10 {
		fmt.Fprintf(&page, `<li class="r"><a href="https://site%d.example/">Result %d</a></li>`, i, i)
	}
	page.WriteString("</ol>")
	for page.Len() < 15*1024 {
		page.WriteString("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n")
	}
	body := page.String()
	srv := serve(b, htmlHandler(body)).URL
	f := newFetcher(b, httpfetch.Config{Policy: allowPrivate, MaxIdleConnsPerHost: 64})
	spec := &crawler.RankSpec{Selector: "li.r", Match: "site7.example"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := get(b, f, srv, spec)
			if err != nil || res.Rank == nil || *res.Rank != 8 {
				b.Errorf("Fetch = %+v, %v", res, err)
				return
			}
		}
	})
}
