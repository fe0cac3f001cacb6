package site

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Site is a deterministic set of pages under /p/{n}.
type Site struct {
	Pages, Size, Links int
	filler             []byte
	bufs               sync.Pool
}

// New makes a site of pages pages of about size bytes with links links each.
func New(pages, size, links int) *Site {
	s := &Site{Pages: pages, Size: size, Links: links}
	var b strings.Builder
	for b.Len() < size {
		b.WriteString("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>\n")
	}
	s.filler = []byte(b.String())
	return s
}

// Path is the path of page n.
func (s *Site) Path(n int) string { return "/p/" + strconv.Itoa(n) }

// Link is the k-th link (0-based) on page n.
func (s *Site) Link(n, k int) int { return (n*7 + k*13 + 1) % s.Pages }

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/p/"))
	if err != nil || n < 0 || n >= s.Pages {
		http.NotFound(w, r)
		return
	}
	buf, _ := s.bufs.Get().(*[]byte)
	if buf == nil {
		b := make([]byte, 0, s.Size+4096)
		buf = &b
	}
	b := (*buf)[:0]
	b = fmt.Appendf(b, "<!doctype html><html><head><meta charset=utf-8><title>Page %d</title></head><body><ul class=results>\n", n)
	for k := range s.Links {
		m := s.Link(n, k)
		b = fmt.Appendf(b, "<li class=item><a href=\"/p/%d\">Result %d for page %d</a></li>\n", m, m, n)
	}
	b = append(b, "</ul><div class=content>\n"...)
	if rest := s.Size - len(b) - len("</div></body></html>"); rest > 0 {
		b = append(b, s.filler[:min(rest, len(s.filler))]...)
	}
	b = append(b, "</div></body></html>"...)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	*buf = b
	s.bufs.Put(buf)
}
