package rank

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// serpPage builds a ~15 KB results page with ten items, the match in the
// last one, so every item is examined.
func serpPage() []byte {
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head><meta charset=utf-8><title>Search results</title>")
	b.WriteString("<style>body{font-family:sans-serif}.r{margin:1em}</style></head><body><div id=main><ol>")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, `<li class="r"><h3><a href="https://site%d.example.org/path/%d?ref=serp">Result number %d</a></h3>`, i, i, i)
		fmt.Fprintf(&b, `<p class="snippet">%s</p></li>`, strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 22))
	}
	b.WriteString("</ol></div><footer>")
	for b.Len() < 15*1024 {
		b.WriteString(`<a href="/more">more</a> `)
	}
	b.WriteString("</footer></body></html>")
	return b.Bytes()
}

func BenchmarkExtract(b *testing.B) {
	page := serpPage()
	base, _ := url.Parse("https://search.test/?q=x")
	q := mustCompile(b, "li.r", "site10.example.org")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := Extract(context.Background(), page, base, q)
		if err != nil || got.Rank == nil || *got.Rank != 10 {
			b.Fatalf("Extract = %+v, %v", got, err)
		}
	}
}

func BenchmarkExtractTitleOnly(b *testing.B) {
	page := serpPage()
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if got, err := Extract(context.Background(), page, nil, nil); err != nil || got.Title != "Search results" {
			b.Fatalf("Extract = %+v, %v", got, err)
		}
	}
}

// BenchmarkExtractTree is the same page through the tree parser, the path
// pages that do not stream take.
func BenchmarkExtractTree(b *testing.B) {
	page := serpPage()
	base, _ := url.Parse("https://search.test/?q=x")
	q := mustCompile(b, "li.r", "site10.example.org")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if got, err := treeExtract(context.Background(), page, base, q); err != nil || got.Rank == nil || *got.Rank != 10 {
			b.Fatalf("treeExtract = %+v, %v", got, err)
		}
	}
}
