package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
)

func TestNetErrorType(t *testing.T) {
	t.Parallel()
	tests := map[string]crawler.ErrorType{
		"ERR_NAME_NOT_RESOLVED":             crawler.ErrDNS,
		"ERR_CONNECTION_REFUSED":            crawler.ErrConnect,
		"ERR_TUNNEL_CONNECTION_FAILED":      crawler.ErrConnect,
		"ERR_CONNECTION_TIMED_OUT":          crawler.ErrTimeout,
		"ERR_CERT_AUTHORITY_INVALID":        crawler.ErrTLS,
		"ERR_SSL_PROTOCOL_ERROR":            crawler.ErrTLS,
		"ERR_BLOCKED_BY_CLIENT":             crawler.ErrBlocked,
		"ERR_UNSAFE_PORT":                   crawler.ErrBlocked,
		"ERR_TOO_MANY_REDIRECTS":            crawler.ErrHTTP4xx,
		"ERR_RESPONSE_HEADERS_TOO_BIG":      crawler.ErrTooLarge,
		"ERR_CONTENT_DECODING_FAILED":       crawler.ErrParse,
		"ERR_ABORTED":                       crawler.ErrBrowser,
		"ERR_SOMETHING_CHROMIUM_ADDS_LATER": crawler.ErrBrowser,
	}
	for code, want := range tests {
		if got := netErrorType(code); got != want {
			t.Errorf("netErrorType(%s) = %s, want %s", code, got, want)
		}
	}
}

func TestStatusError(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("http://example.test/p?secret=1")
	tests := map[int]crawler.ErrorType{
		400: crawler.ErrHTTP4xx, 404: crawler.ErrHTTP4xx, 408: crawler.ErrTimeout,
		429: crawler.ErrHTTP5xx, 500: crawler.ErrHTTP5xx, 503: crawler.ErrHTTP5xx,
	}
	for code, want := range tests {
		err := statusError(code, u)
		if got := crawler.TypeOf(err); got != want {
			t.Errorf("statusError(%d) type %s, want %s", code, got, want)
		}
		if want := fmt.Sprintf("status %d", code); !contains(err, want) || contains(err, "secret") {
			t.Errorf("statusError(%d) = %q: want %q and no query", code, err, want)
		}
	}
}

func TestDialErrorType(t *testing.T) {
	t.Parallel()
	blocked := netguard.Policy{}.Control("tcp", "127.0.0.1:80", nil)
	tests := []struct {
		err  error
		want crawler.ErrorType
	}{
		{&net.OpError{Op: "dial", Err: blocked}, crawler.ErrBlocked},
		{&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, crawler.ErrDNS},
		{&net.OpError{Op: "dial", Err: &net.DNSError{Err: "timeout", IsTimeout: true}}, crawler.ErrTimeout},
		{fmt.Errorf("dial: %w", context.DeadlineExceeded), crawler.ErrTimeout},
		{errors.New("connection refused"), crawler.ErrConnect},
	}
	for _, tt := range tests {
		if got := dialErrorType(tt.err); got != tt.want {
			t.Errorf("dialErrorType(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestAbortCode(t *testing.T) {
	t.Parallel()
	tests := map[crawler.ErrorType]string{
		crawler.ErrBlocked: "blockedbyclient", crawler.ErrDNS: "namenotresolved",
		crawler.ErrTimeout: "timedout", crawler.ErrConnect: "failed",
	}
	for typ, want := range tests {
		if got := abortCode(crawler.Errorf(typ, "x")); got != want {
			t.Errorf("abortCode(%s) = %q, want %q", typ, got, want)
		}
	}
}

func TestTunnelAuthority(t *testing.T) {
	t.Parallel()
	target, _ := url.Parse("https://start.test/")
	tests := []struct{ lastNav, want string }{
		{"", "start.test:443"},
		{"http://hop.test/x", "hop.test:80"},
		{"https://hop.test:8443/x", "hop.test:8443"},
		{"https://[::1]/", "[::1]:443"},
	}
	for _, tt := range tests {
		if got := tunnelAuthority(tt.lastNav, target); got != tt.want {
			t.Errorf("tunnelAuthority(%q) = %q, want %q", tt.lastNav, got, tt.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	t.Parallel()
	err := errors.New("Frame.Goto http://x/: Timeout 5000ms exceeded.\nCall log:\n  - navigating")
	if got := firstLine(err); got != "Frame.Goto http://x/: Timeout 5000ms exceeded." {
		t.Errorf("firstLine = %q", got)
	}
}

func contains(err error, s string) bool {
	return err != nil && len(s) > 0 && strings.Contains(err.Error(), s)
}
