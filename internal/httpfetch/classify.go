package httpfetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// classify turns a transport or body error into a *crawler.FetchError.
// Errors that already carry a type (netguard's blocked, robots, size) keep
// it. The URL in the message has no query string: queries can hold tokens.
func classify(err error, target *url.URL) error {
	// url.Error repeats the URL it was given, query included (for a
	// redirect, the Location); keep only its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var fe *crawler.FetchError
	if errors.As(err, &fe) {
		return err
	}
	// net/http quotes a Location it cannot parse whole, query and all.
	return crawler.RedactError(crawler.Errorf(errorType(err), "httpfetch: get %s: %w", crawler.Redact(target), err))
}

func errorType(err error) crawler.ErrorType {
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
		netErr net.Error
	)
	switch {
	case errors.As(err, &dnsErr):
		return crawler.ErrDNS
	case isTLS(err):
		return crawler.ErrTLS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return crawler.ErrTimeout
	case errors.Is(err, context.Canceled):
		// The caller gave up (shutdown): retryable, and not the site's fault.
		return crawler.ErrInternal
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return crawler.ErrConnect
	case errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect" || opErr.Op == "read"):
		return crawler.ErrConnect
	case strings.HasPrefix(err.Error(), "failed to parse Location header"):
		// net/http's only signal for a redirect it cannot follow: the
		// site's fault, and no retry mends it.
		return crawler.ErrParse
	}
	return crawler.ErrInternal
}

func isTLS(err error) bool {
	var (
		unknownAuth  x509.UnknownAuthorityError
		hostname     x509.HostnameError
		invalid      x509.CertificateInvalidError
		verification *tls.CertificateVerificationError
		record       tls.RecordHeaderError
		alert        tls.AlertError
		ech          *tls.ECHRejectionError
		opErr        *net.OpError
	)
	switch {
	case errors.As(err, &unknownAuth), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verification), errors.As(err, &record), errors.As(err, &alert), errors.As(err, &ech):
		return true
	case errors.As(err, &opErr) && (opErr.Op == "remote error" || opErr.Op == "local error"):
		// crypto/tls reports alerts as net.OpErrors with these Ops.
		return true
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http's only signal for a plain-HTTP port behind an https
		// URL is this unexported error's text.
		return true
	}
	return false
}

// statusError classifies a non-2xx final response; see StatusError.
func statusError(resp *http.Response, target *url.URL) error {
	se := &StatusError{Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	t := crawler.ErrHTTP4xx
	switch code := resp.StatusCode; {
	case code == http.StatusRequestTimeout:
		t = crawler.ErrTimeout
	case code == http.StatusTooManyRequests, code >= 500:
		t = crawler.ErrHTTP5xx
	}
	return crawler.Errorf(t, "httpfetch: get %s: %w", crawler.Redact(target), se)
}

func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
