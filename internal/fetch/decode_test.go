package fetch_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"testing"

	"github.com/crawler-service/crawler/internal/fetch"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	const text = "<title>decoded</title>"
	var gz, zl, raw bytes.Buffer
	gw := gzip.NewWriter(&gz)
	_, _ = gw.Write([]byte(text))
	_ = gw.Close()
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write([]byte(text))
	_ = zw.Close()
	fw, _ := flate.NewWriter(&raw, flate.DefaultCompression)
	_, _ = fw.Write([]byte(text))
	_ = fw.Close()
	tests := []struct {
		name, enc string
		body      []byte
		want      string
		corrupt   bool
		notOffer  bool
	}{
		{"identity", "", []byte(text), text, false, false},
		{"gzip", " GZIP ", gz.Bytes(), text, false, false},
		{"zlib deflate", "deflate", zl.Bytes(), text, false, false},
		{"raw deflate", "deflate", raw.Bytes(), text, false, false},
		{"empty gzip", "gzip", nil, "", false, false},
		{"empty deflate", "deflate", nil, "", false, false},
		{"corrupt gzip", "gzip", []byte("not gzip at all"), "", true, false},
		{"not offered", "br", []byte("x"), "", false, true},
	}
	for _, tt := range tests {
		r, err := fetch.Decode(tt.enc, bytes.NewReader(tt.body))
		switch {
		case tt.notOffer:
			if !errors.Is(err, fetch.ErrEncoding) {
				t.Errorf("%s: err %v, want ErrEncoding", tt.name, err)
			}
			continue
		case tt.corrupt:
			if !fetch.IsCorrupt(err) {
				t.Errorf("%s: err %v, want a corrupt stream", tt.name, err)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got, err := io.ReadAll(r)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: read %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
