package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"strings"
)

// AcceptEncoding is what fetchers offer servers: the encodings Decode
// undoes. Brotli and zstd would need new modules.
const AcceptEncoding = "gzip, deflate"

// ErrEncoding is a response compressed in a way that was not offered.
var ErrEncoding = errors.New("unsupported content encoding")

// Decode undoes a response's Content-Encoding (as the header gives it), so
// a size bound counts the body's decompressed bytes, not its input: a gzip
// bomb is cut after the bound of its output. An empty body labelled with
// an encoding reads as empty. An encoding outside AcceptEncoding is
// ErrEncoding; a corrupt stream is an error IsCorrupt recognises.
func Decode(encoding string, body io.Reader) (io.ReadCloser, error) {
	switch enc := strings.ToLower(strings.TrimSpace(encoding)); enc {
	case "", "identity":
		return io.NopCloser(body), nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err == io.EOF {
			return http.NoBody, nil
		}
		return zr, err
	case "deflate":
		// "deflate" is meant to be zlib-wrapped, but some servers send raw
		// DEFLATE; the zlib header's first byte tells them apart.
		br := bufio.NewReader(body)
		b, err := br.Peek(1)
		if err == io.EOF {
			return http.NoBody, nil
		}
		if err == nil && b[0]&0x0f == 8 {
			return zlib.NewReader(br)
		}
		return flate.NewReader(br), nil
	default:
		return nil, ErrEncoding
	}
}

// IsCorrupt reports whether err is a compressed stream that cannot be
// decoded: the site's fault, which no retry mends.
func IsCorrupt(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, zlib.ErrHeader) ||
		errors.Is(err, zlib.ErrChecksum) || errors.Is(err, zlib.ErrDictionary) || errors.As(err, &ce)
}
