package rank_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/rank"
)

// hostileList is a flat list of n items: cascadia's :nth-last-child walks
// every sibling for each item, so matching it is quadratic.
func hostileList(n int) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html><title>t</title><ul>")
	for i := range n {
		b.WriteString("<li>item ")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("</li>")
	}
	b.WriteString("</ul>")
	return []byte(b.String())
}

// manyAttributes is " a0=x a1=x …", n attributes.
func manyAttributes(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(" a")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("=x")
	}
	return b.String()
}

// outcome is what TestExtractEndsByDeadline accepts besides a timeout.
type outcome int

const (
	inTime   outcome = iota // an answer
	timesOut                // nothing else
	refused                 // a parse error
)

// TestExtractEndsByDeadline: whatever the page and selector, a job ends
// soon after its deadline. The bound is loose (the machine is shared);
// BenchmarkDeadlineOvershoot measures how soon. Each page took minutes
// before Extract took a context.
func TestExtractEndsByDeadline(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("<div>", 500) + strings.Repeat("<div>x</div>", 2000)
	attrs := manyAttributes(300000) // 2.6 MB
	text := strings.Repeat("a", 8<<20)
	tests := []struct {
		name, selector string
		page           []byte
		want           outcome
		match          string // "" for "absent"
	}{
		// 5 MB, 330,000 items: about 10^11 sibling steps in cascadia. The
		// matcher counts siblings once, but not inside :not().
		{"nth-last-child over a 5 MB list", "li:nth-last-child(n+1)", hostileList(330000), inTime, ""},
		{"nth-last-of-type over a 5 MB list", "li:nth-last-of-type(2n+1)", hostileList(330000), inTime, ""},
		{"nth-last-child in :not() over a 5 MB list", "li:not(:nth-last-child(2n+1))", hostileList(330000), timesOut, ""},
		// cascadia tries every ancestor for each descendant combinator in
		// combination: 500^5 steps an element. The matcher's own
		// combinators take one step.
		{"descendant chain over a deep page", "section div div div div div", []byte(deep), inTime, ""},
		{"descendant chain over a deep page, tree", "section div div div div div:first-child", []byte(deep), inTime, ""},
		{"sibling chain over a long list", "p ~ li ~ li ~ li", hostileList(20000), inTime, ""},
		// One tag with 300,000 attributes: the scanner looked for each
		// repeated name among all earlier ones (over 15 minutes). The tree
		// builder copies the attributes <html> and <body> have for each
		// later tag of that name (minutes for 1 MB); such pages are
		// refused before they are parsed.
		{"a tag with 300,000 attributes, streaming", "div div div div div div div div span", []byte("<html><body><a" + attrs + ">t</a>"), inTime, ""},
		{"a tag with 300,000 attributes, a list", "div b,p i,a", []byte("<html><body><a" + attrs + ">t</a>"), inTime, ""},
		{"a tag with 300,000 attributes, tree", "a:first-child", []byte("<html><body><a" + attrs + ">t</a>"), inTime, ""},
		{"<body> tags after one with 100,000 attributes, tree", "a:first-child",
			[]byte("<html><body" + manyAttributes(100000) + ">" + strings.Repeat("<body b>", 20000)), refused, ""},
		{"<html> tags after one with 100,000 attributes, tree", "a:first-child",
			[]byte("<html" + manyAttributes(100000) + ">" + strings.Repeat("<html b>", 20000)), refused, ""},
		// Go's regexp costs text × program, and one element's match cannot
		// be stopped: 8 MB of text against 99 instructions ran on for more
		// than 10 s past the deadline. (p:matches([a-z]{999}z), 167 s over
		// 5 MB, is refused: TestCompileRefuses.)
		{":matches() over 8 MB of text", `p:matches(\pL{96}z)`, []byte("<p>" + text), inTime, ""},
		{":matches() in :not() over 8 MB of text", `p:not(:matches(\pL{96}z))`, []byte("<p>" + text), inTime, ""},
		{"#= over an 8 MB attribute", `a[title#=(\pL{94}z)]:first-child`, []byte(`<a title="` + text + `">t</a>`), inTime, ""},
		// A match string of 1,024 bytes was compared afresh at each of 4
		// million places in a link: two minutes.
		{"a long match string over a long link", "a", []byte(`<a href="` + text[:4e6] + `">t</a>`), inTime, text[:1023] + "b"},
		{"a long match string with a digit over a long link", "a",
			[]byte(`<a href="` + strings.Repeat("1", 4e6) + `">t</a>`), inTime, strings.Repeat("1", 1023) + "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			match := tt.match
			if match == "" {
				match = "absent"
			}
			q, err := rank.Compile(tt.selector, match)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			type result struct {
				p   rank.Page
				err error
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				p, err := rank.Extract(ctx, tt.page, nil, q)
				done <- result{p, err}
			}()
			select {
			case r := <-done:
				t.Logf("returned after %s: %+v, %v", time.Since(start).Round(time.Millisecond), r.p, r.err)
				switch {
				case r.err == nil && tt.want == inTime:
					return
				case crawler.TypeOf(r.err) == crawler.ErrParse && tt.want == refused:
					return
				}
				if crawler.TypeOf(r.err) != crawler.ErrTimeout || !errors.Is(r.err, context.DeadlineExceeded) {
					t.Fatalf("err = %v, want a timeout wrapping context.DeadlineExceeded", r.err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("Extract still running 10 s after its 1 s deadline on %d bytes", len(tt.page))
			}
		})
	}
}

// TestExtractDoneContext: with its context done, every kind of query ends
// at once, as a timeout.
func TestExtractDoneContext(t *testing.T) {
	t.Parallel()
	page := []byte("<title>t</title><ul><li class=r>a</li><li class=r>b</li></ul>")
	tests := []struct {
		name, selector string // "": title only
	}{
		{"title only", ""},
		{"streaming", "li.r"},
		{"tree", "li:nth-child(2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var q *rank.Query
			if tt.selector != "" {
				var err error
				if q, err = rank.Compile(tt.selector, "b"); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			p, err := rank.Extract(ctx, page, nil, q)
			var fe *crawler.FetchError
			if !errors.As(err, &fe) || fe.Type != crawler.ErrTimeout || !errors.Is(err, context.Canceled) {
				t.Fatalf("Extract = %+v, %v; want a *crawler.FetchError of type timeout wrapping context.Canceled", p, err)
			}
		})
	}
}

// BenchmarkDeadlineOvershoot measures how long Extract runs past its
// deadline on pages it would match for minutes: ms-past-deadline/op.
func BenchmarkDeadlineOvershoot(b *testing.B) {
	for _, bc := range []struct {
		name, selector string
		page           []byte
	}{
		{"nth-last-child in :not()/1MB", "li:not(:nth-last-child(2n+1))", hostileList(60000)},
		{"nth-last-child in :not()/5MB", "li:not(:nth-last-child(2n+1))", hostileList(330000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			q, err := rank.Compile(bc.selector, "absent")
			if err != nil {
				b.Fatal(err)
			}
			const deadline = 300 * time.Millisecond
			var past time.Duration
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				start := time.Now()
				_, err := rank.Extract(ctx, bc.page, nil, q)
				past += time.Since(start) - deadline
				cancel()
				if crawler.TypeOf(err) != crawler.ErrTimeout {
					b.Fatalf("err = %v, want a timeout", err)
				}
			}
			b.ReportMetric(float64(past.Microseconds())/1000/float64(b.N), "ms-past-deadline/op")
		})
	}
}

// BenchmarkSelectorShapes times selectors whose cascadia matching grows
// with a power of the page's depth or a list's length; the matcher's
// combinators keep them linear.
func BenchmarkSelectorShapes(b *testing.B) {
	deep := []byte(strings.Repeat("<div>", 500) + strings.Repeat("<div>x</div>", 2000))
	for _, bc := range []struct {
		name, selector string
		page           []byte
	}{
		{"descendant chain/deep page, streaming", "section div div div div div", deep},
		{"descendant chain/deep page, tree", "section div div div div div:first-child", deep},
		{"nth-last-child/1MB list", "li:nth-last-child(n+1)", hostileList(60000)},
		{"nth-last-child/5MB list", "li:nth-last-child(n+1)", hostileList(330000)},
		{"sibling chain/20,000 items", "p ~ li ~ li ~ li", hostileList(20000)},
		{"child and descendant/20,000 items", "ul > li:first-child ~ li", hostileList(20000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			q, err := rank.Compile(bc.selector, "absent")
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(bc.page)))
			for b.Loop() {
				if _, err := rank.Extract(context.Background(), bc.page, nil, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
