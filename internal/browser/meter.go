package browser

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
)

// meter makes resp's body count against the session's budget as the
// proxy passes it on, decompressed: a gzip bomb is cut after MaxPageBytes
// (MaxBytes for a document) of its output, not of its input. A body whose
// declared length is already over is refused before it is read.
func (s *session) meter(resp *http.Response, doc bool) error {
	if err := s.overErr(); err != nil {
		return err
	}
	if err := s.spend(headerBytes(resp.Header)); err != nil {
		return err
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// A WebSocket: what the target sends counts as it comes, as
		// sent: no extension was offered, and none may be taken.
		if resp.Header.Get("Sec-WebSocket-Extensions") != "" {
			return crawler.Errorf(crawler.ErrParse, "browser: proxy: a WebSocket took an extension it was not offered")
		}
		if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
			resp.Body = &meteredConn{ReadWriteCloser: rwc, s: s}
		}
		return nil
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

// decode is the body decompressed; an encoding that was not offered is
// refused rather than passed on uncounted.
func decode(enc string, body io.Reader) (io.Reader, error) {
	r, err := fetch.Decode(enc, body)
	switch {
	case errors.Is(err, fetch.ErrEncoding):
		return nil, crawler.Errorf(crawler.ErrParse, "browser: proxy: %w %q", ErrEncoding, enc)
	case err != nil:
		return nil, crawler.Errorf(crawler.ErrParse, "browser: proxy: decompress: %w", err)
	}
	return r, nil
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

// headerBytes is about what a response's header takes on the wire.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// meteredConn is an upgraded connection (a WebSocket) whose reads, what
// the target sends, spend the session's budget.
type meteredConn struct {
	io.ReadWriteCloser
	s *session
}

func (c *meteredConn) Read(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Read(p)
	if n > 0 {
		if over := c.s.spend(n); over != nil {
			return 0, over
		}
	}
	return n, err
}

func docTooLarge(resp *http.Response, limit int64) error {
	return crawler.Errorf(crawler.ErrTooLarge, "browser: document %s is more than %d bytes: %w",
		crawler.Redact(resp.Request.URL), limit, ErrOverBudget)
}
