package browser

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"

	"github.com/crawler-service/crawler/internal/crawler"
)

// acceptEncoding is what the proxy asks plain-HTTP targets for: the
// encodings it can undo, so that it counts what Chromium will hold, not
// what crossed the wire. Brotli and zstd would need new modules.
const acceptEncoding = "gzip, deflate"

// meter makes resp's body count against the session's budget as the
// proxy passes it on, decompressed: a gzip bomb is cut after MaxPageBytes
// (MaxBytes for a document) of its output, not of its input. A body whose
// declared length is already over is refused before it is read.
func (s *session) meter(resp *http.Response, doc bool) error {
	if err := s.overErr(); err != nil {
		return err
	}
	if !hasBody(resp) {
		return nil
	}
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	identity := enc == "" || enc == "identity"
	if identity && resp.ContentLength > 0 {
		if doc && resp.ContentLength > s.p.maxDoc {
			return s.exceed(docTooLarge(resp, s.p.maxDoc))
		}
		if err := s.spend(int(resp.ContentLength)); err != nil {
			return err
		}
		// Spent up front; the body below counts only past its length.
		resp.Body = &meteredBody{s: s, r: resp.Body, c: resp.Body, doc: doc, resp: resp, prepaid: resp.ContentLength}
		return nil
	}
	body, err := decode(enc, resp.Body)
	if err != nil {
		return err
	}
	if !identity {
		// Chromium gets the body as the proxy decoded it.
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	}
	resp.Body = &meteredBody{s: s, r: body, c: resp.Body, doc: doc, resp: resp}
	return nil
}

func hasBody(resp *http.Response) bool {
	code := resp.StatusCode
	return resp.Request.Method != http.MethodHead && code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

func decode(enc string, body io.Reader) (io.Reader, error) {
	switch enc {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err == io.EOF {
			return http.NoBody, nil // an empty body, labelled
		}
		if err != nil {
			return nil, crawler.Errorf(crawler.ErrParse, "browser: proxy: decompress: %w", err)
		}
		return zr, nil
	case "deflate":
		// "deflate" is meant to be zlib-wrapped, but some servers send raw
		// DEFLATE; the zlib header's first byte tells them apart.
		br := bufio.NewReader(body)
		b, err := br.Peek(1)
		if err == io.EOF {
			return http.NoBody, nil
		}
		if err == nil && b[0]&0x0f == 8 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, crawler.Errorf(crawler.ErrParse, "browser: proxy: decompress: %w", err)
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	}
	// Not asked for, so not counted: refused rather than passed on blind.
	return nil, crawler.Errorf(crawler.ErrParse, "browser: proxy: %w %q", ErrEncoding, enc)
}

// meteredBody is a response body that spends the session's budget as it
// is read.
type meteredBody struct {
	s       *session
	r       io.Reader // decoded
	c       io.Closer // the body as received
	doc     bool
	resp    *http.Response
	n       int64 // bytes read
	prepaid int64 // bytes spent before reading, for a declared length
}

func (b *meteredBody) Read(p []byte) (int, error) {
	if err := b.s.overErr(); err != nil {
		return 0, err
	}
	n, err := b.r.Read(p)
	if n == 0 {
		return n, err
	}
	b.n += int64(n)
	if b.doc && b.n > b.s.p.maxDoc {
		return 0, b.s.exceed(docTooLarge(b.resp, b.s.p.maxDoc))
	}
	if spend := min(int64(n), b.n-b.prepaid); spend > 0 {
		if over := b.s.spend(int(spend)); over != nil {
			return 0, over
		}
	}
	return n, err
}

func (b *meteredBody) Close() error { return b.c.Close() }

func docTooLarge(resp *http.Response, limit int64) error {
	return crawler.Errorf(crawler.ErrTooLarge, "browser: document %s is more than %d bytes: %w",
		crawler.Redact(resp.Request.URL), limit, ErrOverBudget)
}
