package httpfetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
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
	"github.com/crawler-service/crawler/internal/netguard"
)

// maxHeaderBytes bounds a response's headers; a site that sends more is
// too_large, as a body past its bound is.
const maxHeaderBytes = 1 << 20

// classify turns a transport or body error into a *crawler.FetchError.
// Errors that already carry a type (netguard's blocked, robots, size) keep
// it. The message says what failed and why, for the job's record that API
// clients read: it names hosts but not the addresses they resolved to, nor
// the resolver, nor a URL's query string; the full text goes to the log
// as the error's detail.
func classify(err error, target *url.URL) error {
	// url.Error repeats the URL it was given, query included (for a
	// redirect, the Location); keep only its cause, and its host.
	host := target.Hostname()
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		err = ue.Err
	}
	t := errorType(err)
	var fe *crawler.FetchError
	if errors.As(err, &fe) {
		t = fe.Type
	}
	detail := crawler.RedactText(err.Error())
	return &crawler.FetchError{Type: t, Detail: detail,
		Err: crawler.RedactError(crawler.Public(fmt.Sprintf("httpfetch: get %s: %s", crawler.Redact(target), publicReason(err, host)), err))}
}

// publicReason is netguard.Describe, except that an error this package
// typed itself already says what happened.
func publicReason(err error, host string) string {
	var fe *crawler.FetchError
	if errors.As(err, &fe) && !errors.Is(err, netguard.ErrBlocked) {
		return fe.Err.Error()
	}
	return netguard.Describe(host, err)
}

func errorType(err error) crawler.ErrorType {
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
		netErr net.Error
	)
	switch {
	case isProxy(err):
		return crawler.ErrProxy
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
	case strings.Contains(err.Error(), "server response headers exceeded"):
		// net/http's only signal for headers past MaxResponseHeaderBytes.
		return crawler.ErrTooLarge
	case strings.HasPrefix(err.Error(), "failed to parse Location header"):
		// net/http's only signal for a redirect it cannot follow: the
		// site's fault, and no retry mends it.
		return crawler.ErrParse
	}
	return crawler.ErrInternal
}

// isProxy: the proxy, not the target, failed: it could not be reached or
// it refused the CONNECT (a 407 among others).
func isProxy(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && (opErr.Op == "proxyconnect" || strings.HasPrefix(opErr.Op, "socks"))
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

// statusError classifies a non-2xx final response; see StatusError. A 407
// through a proxy is the proxy refusing us, not the site.
func statusError(resp *http.Response, target *url.URL, proxied bool) error {
	se := &StatusError{Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	t := crawler.ErrHTTP4xx
	switch code := resp.StatusCode; {
	case code == http.StatusProxyAuthRequired && proxied:
		t = crawler.ErrProxy
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
