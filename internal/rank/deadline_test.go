package rank_test

import (
	"context"
	"errors"
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

// TestExtractEndsByDeadline: whatever the page and selector, a job ends
// soon after its deadline. The bound is loose (the machine is shared);
// BenchmarkDeadlineOvershoot measures how soon. Each page took minutes
// before Extract took a context.
func TestExtractEndsByDeadline(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("<div>", 500) + strings.Repeat("<div>x</div>", 2000)
	tests := []struct {
		name, selector string
		page           []byte
		wantTimeout    bool // else it may also finish in time
	}{
		// 5 MB, 330,000 items: about 10^11 sibling steps in cascadia. The
		// matcher counts siblings once, but not inside :not().
		{"nth-last-child over a 5 MB list", "li:nth-last-child(n+1)", hostileList(330000), false},
		{"nth-last-of-type over a 5 MB list", "li:nth-last-of-type(2n+1)", hostileList(330000), false},
		{"nth-last-child in :not() over a 5 MB list", "li:not(:nth-last-child(2n+1))", hostileList(330000), true},
		// cascadia tries every ancestor for each descendant combinator in
		// combination: 500^5 steps an element. The matcher's own
		// combinators take one step.
		{"descendant chain over a deep page", "section div div div div div", []byte(deep), false},
		{"descendant chain over a deep page, tree", "section div div div div div:first-child", []byte(deep), false},
		{"sibling chain over a long list", "p ~ li ~ li ~ li", hostileList(20000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := rank.Compile(tt.selector, "absent")
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
				if r.err == nil && !tt.wantTimeout {
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
