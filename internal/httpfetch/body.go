package httpfetch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/net/html/charset"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
)

// bufPool recycles body buffers; pages are read whole because the rank
// extractor and the charset sniffer both need them.
type bufPool struct{ p sync.Pool }

func (b *bufPool) get() *bytes.Buffer {
	if v, ok := b.p.Get().(*bytes.Buffer); ok {
		v.Reset()
		return v
	}
	return new(bytes.Buffer)
}

// put keeps buffers up to 1 MiB; a rare huge page should not pin memory.
func (b *bufPool) put(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		b.p.Put(buf)
	}
}

// readBody reads the decompressed body into buf, failing with too_large past
// limit, without reading more than limit+1 bytes of it.
func readBody(resp *http.Response, limit int64, buf *bytes.Buffer) error {
	if resp.ContentLength > limit {
		return crawler.Errorf(crawler.ErrTooLarge, "httpfetch: %w: Content-Length %d over %d", ErrBodyTooLarge, resp.ContentLength, limit)
	}
	body, err := decoder(resp)
	if err != nil {
		return err
	}
	defer body.Close()
	if resp.ContentLength > 0 && resp.ContentLength < 4<<20 && resp.Header.Get("Content-Encoding") == "" {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if n > limit {
		return crawler.Errorf(crawler.ErrTooLarge, "httpfetch: %w: over %d bytes", ErrBodyTooLarge, limit)
	}
	if err != nil {
		if fetch.IsCorrupt(err) {
			return crawler.Errorf(crawler.ErrParse, "httpfetch: decompress body: %w", err)
		}
		return fmt.Errorf("read body: %w", err)
	}
	return nil
}

// decoder is resp's body decompressed; closing it closes resp.Body too.
func decoder(resp *http.Response) (io.ReadCloser, error) {
	enc := resp.Header.Get("Content-Encoding")
	body, err := fetch.Decode(enc, resp.Body)
	switch {
	case errors.Is(err, fetch.ErrEncoding):
		return nil, crawler.Errorf(crawler.ErrParse, "httpfetch: %w %q", err, strings.ToLower(strings.TrimSpace(enc)))
	case fetch.IsCorrupt(err):
		return nil, crawler.Errorf(crawler.ErrParse, "httpfetch: decompress body: %w", err)
	case err != nil:
		return nil, fmt.Errorf("read compressed body: %w", err)
	}
	return body, nil
}

// isHTML decides from Content-Type, or by sniffing when there is none.
func isHTML(contentType string, body []byte) bool {
	if contentType == "" {
		contentType = http.DetectContentType(body)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// toUTF8 converts body to UTF-8 by the charset named in Content-Type, a BOM
// or a <meta> tag in the first 1024 bytes, as browsers do; UTF-8 input is
// returned as is. x/net's detector guesses windows-1252 for a page whose
// first 1024 bytes are ASCII and that declares nothing, which garbles every
// later non-ASCII byte of a UTF-8 page: browsers look at the whole document
// before guessing, and so does this.
func toUTF8(body []byte, contentType string) []byte {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil {
		return body
	}
	if !certain && name == "windows-1252" && utf8.Valid(body) && !declaresCharset(body) {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// declaresCharset reports whether the first 1024 bytes of an ASCII-headed
// page name a charset in a <meta> tag. charset's prescan is unexported: a
// probe ending in a non-ASCII UTF-8 letter (and a space, so the detector
// does not cut it off as a partial rune) is read as UTF-8 unless a
// declaration says otherwise.
func declaresCharset(body []byte) bool {
	const tail = "é "
	probe := make([]byte, 0, 1024)
	probe = append(probe, body[:min(len(body), 1024-len(tail))]...)
	probe = append(probe, tail...)
	_, name, _ := charset.DetermineEncoding(probe, "")
	return name != "utf-8"
}
