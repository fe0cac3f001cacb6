package httpfetch_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

func TestBodies(t *testing.T) {
	t.Parallel()
	const russian = "Привет, мир"
	cp1251 := func(s string) []byte {
		b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	latin1 := func(s string) []byte {
		b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	compress := func(enc string, b []byte) []byte {
		var out bytes.Buffer
		var w io.WriteCloser
		switch enc {
		case "gzip":
			w = gzip.NewWriter(&out)
		case "zlib":
			w = zlib.NewWriter(&out)
		case "flate":
			w, _ = flate.NewWriter(&out, flate.DefaultCompression)
		}
		_, _ = w.Write(b)
		_ = w.Close()
		return out.Bytes()
	}
	plain := []byte(pageHTML("Compressed page", "one", "two", "three"))
	spec := &crawler.RankSpec{Selector: "li.item", Match: "мир"}

	tests := []struct {
		name        string
		contentType string
		encoding    string
		body        []byte
		spec        *crawler.RankSpec
		wantTitle   string
		wantRank    int
		wantBytes   int
		wantHTML    bool
	}{
		{"windows-1251 by header", "text/html; charset=windows-1251", "",
			cp1251(pageHTML(russian, "первый", russian)), spec, russian, 2, len(cp1251(pageHTML(russian, "первый", russian))), true},
		{"windows-1251 by meta", "text/html",
			"", cp1251(`<html><head><meta charset="windows-1251"><title>` + russian + `</title></head><body><ul><li class=item>` + russian + `</ul>`),
			spec, russian, 1, 0, true},
		{"iso-8859-1 by header", "text/html; charset=ISO-8859-1", "",
			latin1(pageHTML("Café société")), nil, "Café société", 0, 0, true},
		{"gzip", "text/html", "gzip", compress("gzip", plain), nil, "Compressed page", 0, len(plain), true},
		{"deflate (zlib)", "text/html", "deflate", compress("zlib", plain), nil, "Compressed page", 0, len(plain), true},
		{"deflate (raw)", "text/html", "deflate", compress("flate", plain), nil, "Compressed page", 0, len(plain), true},
		{"no content type, sniffed html", "", "", plain, nil, "Compressed page", 0, len(plain), true},
		{"json is not html", "application/json", "", []byte(`{"title":"no"}`), spec, "", 0, 14, false},
		{"pdf is not html", "application/pdf", "", []byte("%PDF-1.4"), nil, "", 0, 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				} else {
					w.Header()["Content-Type"] = nil // stop net/http from sniffing for us
				}
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				_, _ = w.Write(tt.body)
			}))
			f := newFetcher(t, httpfetch.Config{Policy: allowPrivate})
			page, err := get(t, f, srv.URL, tt.spec)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if page.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", page.Title, tt.wantTitle)
			}
			if page.HTML != tt.wantHTML {
				t.Errorf("HTML = %v, want %v", page.HTML, tt.wantHTML)
			}
			if tt.wantBytes != 0 && page.Bytes != int64(tt.wantBytes) {
				t.Errorf("Bytes = %d, want %d (decompressed)", page.Bytes, tt.wantBytes)
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

func TestDecompressedSizeIsBounded(t *testing.T) {
	t.Parallel()
	// 10 MB of zeros compress to about 10 KB: the limit must apply to what
	// comes out, not to what goes over the wire.
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(make([]byte, 10<<20))
	_ = zw.Close()
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	}))
	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate, MaxBodyBytes: 1 << 20})
	_, err := get(t, f, srv.URL, nil)
	wantType(t, err, crawler.ErrTooLarge, httpfetch.ErrBodyTooLarge)
}

// TestUTF8WithoutDeclaration: a UTF-8 page that names no charset in its
// header or first 1,024 bytes is read as UTF-8, as browsers read it; only
// a page that is not valid UTF-8 falls back to windows-1252.
func TestUTF8WithoutDeclaration(t *testing.T) {
	t.Parallel()
	head := "<!doctype html><title>t</title><!--" + strings.Repeat("x", 1100) + "-->"
	tests := []struct {
		name, contentType, body, match string
	}{
		{"korean", "text/html", head + "<ul><li>서울</li><li>부산</li></ul>", "부산"},
		{"accented", "text/html", head + "<ul><li>a</li><li>Crème brûlée</li></ul>", "brûlée"},
		{"latin-1 bytes stay latin-1", "text/html", head + "<ul><li>a</li><li>Cr\xe8me</li></ul>", "Crème"},
		{"a meta declaration wins", "text/html", `<meta charset="iso-8859-2">` + head + "<ul><li>a</li><li>\xb1</li></ul>", "ą"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = w.Write([]byte(tt.body))
			}))
			f := newFetcher(t, httpfetch.Config{Policy: allowPrivate})
			page, err := get(t, f, srv.URL, &crawler.RankSpec{Selector: "li", Match: tt.match})
			if err != nil || page.Rank == nil || *page.Rank != 2 {
				t.Fatalf("rank of %q = %v, %v; want 2", tt.match, page.Rank, err)
			}
		})
	}
}
