package rank

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func render(t *testing.T, n *html.Node) string {
	t.Helper()
	var b strings.Builder
	if err := html.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestParseTreeDoctype: with the doctype's name in any case, parseTree
// builds the tree x/net/html builds for "<!DOCTYPE html>", tables in
// paragraphs included; other doctypes it leaves alone.
func TestParseTreeDoctype(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 4))
	bodies := []string{`<p>a<table><tr><td>x</td></tr></table></p><p>b</p>`, `<p><table></table>`, ``}
	for range 200 {
		bodies = append(bodies, strings.Replace(treePage(rng, []string{"r"}, []string{"x", "<table><td>t</table>", "y"}), "<!doctype html>", "", 1))
	}
	for i, body := range bodies {
		want, err := html.Parse(strings.NewReader("<!DOCTYPE html>" + body))
		if err != nil {
			t.Fatal(err)
		}
		for _, doctype := range []string{"<!DOCTYPE HTML>", "<!-- c -->\n<!doctype hTmL >", "<!DOCTYPEHTML>"} {
			got, err := parseTree(context.Background(), []byte(doctype+body))
			if err != nil {
				t.Fatal(err)
			}
			// Rendering drops the comment before the doctype.
			g, w := render(t, got), render(t, want)
			g = strings.Replace(g, "<!-- c -->", "", 1)
			if g != w {
				t.Fatalf("page %d, doctype %q:\n%s\nwant\n%s", i, doctype, g, w)
			}
		}
	}
	// Quirks stays quirks: the name is "htmlx", and a doctype after text
	// is ignored.
	for _, page := range []string{"<!DOCTYPE HTMLX><p><table>", "x<!DOCTYPE HTML><p><table>"} {
		got, err := parseTree(context.Background(), []byte(page))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := html.Parse(strings.NewReader(page))
		if render(t, got) != render(t, want) {
			t.Errorf("page %q: parseTree changed a quirks-mode tree", page)
		}
	}
}

// TestPageReader: the reader gives the page back, in chunks, with only
// the doctype's name lower-cased.
func TestPageReader(t *testing.T) {
	t.Parallel()
	page := []byte("<!-- A --><!DOCTYPE HTML PUBLIC \"X\"><TITLE>T</TITLE>" + strings.Repeat("<P>ABC", 20000))
	r := newPageReader(context.Background(), page)
	r.lower[0], r.lower[1] = doctypeName(context.Background(), page)
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Replace(page, []byte("DOCTYPE HTML"), []byte("DOCTYPE html"), 1)
	if !bytes.Equal(got, want) {
		t.Fatalf("read %q…, want %q…", got[:60], want[:60])
	}
	var p [1 << 20]byte
	r = newPageReader(context.Background(), page)
	if n, _ := r.Read(p[:]); n != readChunk {
		t.Fatalf("read %d bytes at once, want %d", n, readChunk)
	}
}

// TestPassesStopWhenDone: each pass over a page fails with ctx's error
// once ctx is done.
func TestPassesStopWhenDone(t *testing.T) {
	t.Parallel()
	page := serpPage()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := mustCompile(t, "li.r", "site10")
	tests := []struct {
		name string
		run  func() error
	}{
		{"title scan", func() error { _, err := scanTitle(newPageReader(ctx, page)); return err }},
		{"streaming, scanner", func() error { _, _, err := streamExtract(ctx, page, nil, q); return err }},
		{"streaming, tokenizer", func() error {
			_, _, err := streamWith(ctx, html.NewTokenizer(newPageReader(ctx, page)), nil, q)
			return err
		}},
		{"tree parser", func() error { _, err := parseTree(ctx, page); return err }},
		{"matcher", func() error { _, err := q.m.queryAll(ctx, doc); return err }},
		{"ranking", func() error { _, err := rankDoc(ctx, doc, nil, q); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.run(); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
		})
	}
}
