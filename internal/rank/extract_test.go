package rank_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/rank"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	serp := `<html><head><title> Results  for
	  widgets </title></head><body><ol>
	<li class="r"><a href="https://www.other.org/a">Other</a><p>Widgets galore</p></li>
	<li class="r"><a href="/local/page">Local result</a></li>
	<li class="r"><a href="https://www.Example.com/x?y=1">Example Domain</a></li>
	<li class="r"><a href="/url?q=https%3A%2F%2Fwww.target.net%2Fdeep">Redirect</a></li>
	<li class="r"><a href="https://xn--bcher-kva.de/">Books</a></li>
	<li class="r"><script>var s = "hidden.example";</script>Plain text item</li>
	</ol></body></html>`
	base, _ := url.Parse("https://search.test/results?q=widgets")
	tests := []struct {
		name     string
		page     string
		selector string
		match    string
		wantRank int // 0: nil
		// wantItems: every item, or the items up to the match where the
		// streaming reader stops there.
		wantItems int
		wantTitle string
	}{
		{"text match", serp, "li.r", "widgets galore", 1, 1, "Results for widgets"},
		{"case-insensitive host in link", serp, "li.r", "EXAMPLE.COM", 3, 3, "Results for widgets"},
		{"text match across whitespace", serp, "li.r", "example   domain", 3, 3, "Results for widgets"},
		{"relative href resolved against base", serp, "li.r", "search.test/local", 2, 2, "Results for widgets"},
		{"percent-encoded redirect target", serp, "li.r", "www.target.net/deep", 4, 4, "Results for widgets"},
		{"unicode host", serp, "li.r", "bücher.de", 5, 5, "Results for widgets"},
		{"script text is not item text", serp, "li.r", "hidden.example", 0, 6, "Results for widgets"},
		{"no match", serp, "li.r", "absent.example", 0, 6, "Results for widgets"},
		{"empty match takes the first item", serp, "li.r", "", 1, 1, "Results for widgets"},
		{"selector group in document order", serp, "li.r:nth-child(5), li.r:nth-child(2)", "books", 2, 2, "Results for widgets"},
		{"no items", serp, "div.none", "example.com", 0, 0, "Results for widgets"},
		{"item is the link", serp, "li.r > a", "example.com", 3, 3, "Results for widgets"},
		{"svg title is not the page title", `<body><svg><title>icon</title></svg><div class=i>x</div></body>`, ".i", "x", 1, 1, ""},
		{"title entities", `<title>Tom &amp; Jerry</title><p>a</p>`, "p", "a", 1, 1, "Tom & Jerry"},
		{"broken html still parses", `<title>t</title><ul><li>one<li>two</ul`, "li", "two", 2, 2, "t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := rank.Compile(tt.selector, tt.match)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			page, err := rank.Extract(context.Background(), []byte(tt.page), base, q)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if page.Items != tt.wantItems {
				t.Errorf("Items = %d, want %d", page.Items, tt.wantItems)
			}
			if page.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", page.Title, tt.wantTitle)
			}
			switch {
			case tt.wantRank == 0 && page.Rank != nil:
				t.Errorf("Rank = %d, want nil", *page.Rank)
			case tt.wantRank != 0 && (page.Rank == nil || *page.Rank != tt.wantRank):
				t.Errorf("Rank = %v, want %d", page.Rank, tt.wantRank)
			}
		})
	}
}

func TestExtractTitleOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page, want string
	}{
		{"plain", `<html><head><title>Hello</title></head></html>`, "Hello"},
		{"whitespace", "<title>\n  Hello\t World \n</title>", "Hello World"},
		{"entities", `<title>A &amp; B</title>`, "A & B"},
		{"svg title first", `<body><svg><title>icon</title></svg><title>Real</title>`, "Real"},
		{"none", `<p>no title</p>`, ""},
		{"empty input", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, err := rank.Extract(context.Background(), []byte(tt.page), nil, nil)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if page.Title != tt.want || page.Rank != nil || page.Items != 0 {
				t.Fatalf("Extract = %+v, want title %q and no rank", page, tt.want)
			}
		})
	}
}

func TestInvalidSelector(t *testing.T) {
	t.Parallel()
	for _, sel := range []string{"", "li[", "::before", "a >", "li:nth-child(", strings.Repeat("a", rank.MaxSelectorLength+1)} {
		t.Run(sel, func(t *testing.T) {
			t.Parallel()
			if err := rank.ValidateSelector(sel); !errors.Is(err, rank.ErrInvalidSelector) {
				t.Fatalf("ValidateSelector(%q) = %v, want ErrInvalidSelector", sel, err)
			}
			if q, err := rank.Compile(sel, "x"); q != nil || !errors.Is(err, rank.ErrInvalidSelector) {
				t.Fatalf("Compile(%q) = %v, %v, want ErrInvalidSelector", sel, q, err)
			}
		})
	}
	if err := rank.ValidateSelector("ol > li.result:not(.ad) a[href^='http']"); err != nil {
		t.Fatalf("valid selector refused: %v", err)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(`<ul><li><a href="https://www.example.com/">x</a></li><li>y</li></ul>`, "li", "example.com")
	f.Add(`<title>t</title><div class=a><div class=a>nested</div></div>`, "div.a", "nested")
	f.Add(`<svg><title>s</title></svg><a href="//bücher.de">b</a>`, "a", "xn--bcher-kva.de")
	f.Add(`<p>`, ":matches(^p$)", "")
	f.Add(`<table><tr><td>1<td>2</table>`, "td:nth-last-child(2n+1)", "2")
	base, _ := url.Parse("https://base.test/dir/")
	f.Fuzz(func(t *testing.T, page, selector, match string) {
		q, err := rank.Compile(selector, match)
		if err != nil {
			if !errors.Is(err, rank.ErrInvalidSelector) {
				t.Fatalf("Compile error %v does not wrap ErrInvalidSelector", err)
			}
			return
		}
		got, err := rank.Extract(context.Background(), []byte(page), base, q)
		if err != nil {
			if crawler.TypeOf(err) != crawler.ErrParse {
				t.Fatalf("error %v is not of type parse", err)
			}
			return
		}
		if got.Items < 0 {
			t.Fatalf("Items = %d", got.Items)
		}
		if got.Rank != nil && (*got.Rank < 1 || *got.Rank > got.Items) {
			t.Fatalf("Rank %d outside 1..%d", *got.Rank, got.Items)
		}
		if _, err := rank.Extract(context.Background(), []byte(page), nil, nil); err != nil {
			t.Fatalf("title-only Extract: %v", err)
		}
	})
}
