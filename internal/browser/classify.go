package browser

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/crawler-service/crawler/internal/crawler"
)

// failure classifies an error of a Playwright call on the job's page. The
// causes the fetcher knows first (the job went over its byte budget, its
// own route refused the navigation, the renderer crashed, the job ran out
// of time, the browser went away) come before what Playwright's message
// says.
func (j *jobState) failure(ctx context.Context, inst *instance, op string, target *url.URL, err error) error {
	navErr, lastNav := j.nav()
	msg := firstLine(err)
	switch {
	case j.overErr() != nil:
		return j.overErr()
	case navErr != nil:
		return navErr
	case j.crashed.Load():
		return crawler.Errorf(crawler.ErrBrowser, "browser: %s %s: %w", op, crawler.Redact(target), ErrCrashed)
	case ctx.Err() != nil:
		return crawler.Errorf(crawler.ErrTimeout, "browser: %s %s: %w", op, crawler.Redact(target), ctx.Err())
	case errors.Is(err, playwright.ErrTimeout):
		// Playwright's timeouts are the job's deadline, so the error says
		// so the same way whichever of the two noticed first.
		return crawler.Errorf(crawler.ErrTimeout, "browser: %s %s: %w (%s)", op, crawler.Redact(target), context.DeadlineExceeded, msg)
	case inst.lost.Load() || !inst.browser.IsConnected():
		return crawler.Errorf(crawler.ErrBrowser, "browser: %s %s: %w", op, crawler.Redact(target), ErrDisconnected)
	case strings.Contains(msg, "Download is starting"):
		return crawler.Errorf(crawler.ErrParse, "browser: %s %s: %w", op, crawler.Redact(target), ErrDownload)
	}
	code := netErrorCode.FindString(msg)
	if code == "" {
		if !j.f.alive(inst) {
			return crawler.Errorf(crawler.ErrBrowser, "browser: %s %s: %w (%s)", op, crawler.Redact(target), ErrDisconnected, msg)
		}
		return crawler.Errorf(crawler.ErrBrowser, "browser: %s %s: %s", op, crawler.Redact(target), msg)
	}
	if code == "ERR_TUNNEL_CONNECTION_FAILED" {
		// The proxy refused the tunnel; it remembers why.
		if why := j.sess.refusal(tunnelAuthority(urlOf(lastNav), target)); why != nil {
			return fmt.Errorf("browser: %s %s: %w", op, crawler.Redact(target), why)
		}
	}
	return crawler.Errorf(netErrorType(code), "browser: %s %s: %s", op, crawler.Redact(target), msg)
}

// landed checks where the main frame ended up after load, before the page
// is read: a script, a meta refresh or a late redirect may navigate it
// after the response the job got. A navigation that was refused shows
// Chromium's error page, or the proxy's refusal, and reading that as the
// page would report a success; it fails the job as that navigation's
// refusal, naming the host and why, not the address.
func (j *jobState) landed(start *url.URL) error {
	now := j.page.MainFrame().URL()
	if strings.HasPrefix(now, "chrome-error:") {
		_, lastNav := j.nav()
		if lastNav == nil {
			return crawler.Errorf(crawler.ErrBrowser, "browser: %s navigated to an error page", crawler.Redact(start))
		}
		return j.navFailure(start, lastNav)
	}
	u, err := url.Parse(now)
	if err != nil {
		return nil
	}
	if why := j.sess.docRefusal(u); why != nil {
		return fmt.Errorf("browser: %s navigated to %s: %w", crawler.Redact(start), u.Host, why)
	}
	return nil
}

// navFailure is why the main frame's navigation to req failed after the
// job's first response.
func (j *jobState) navFailure(start *url.URL, req playwright.Request) error {
	j.mu.Lock()
	why := j.refused[req.URL()]
	j.mu.Unlock()
	dest, err := url.Parse(req.URL())
	if err != nil {
		return crawler.Errorf(crawler.ErrBrowser, "browser: %s navigated to an unparsable URL", crawler.Redact(start))
	}
	if why == nil {
		why = j.sess.refusal(authority(dest))
	}
	if why != nil {
		return fmt.Errorf("browser: %s navigated to %s: %w", crawler.Redact(start), dest.Host, why)
	}
	failure := "failed"
	if f := req.Failure(); f != nil {
		failure = crawler.RedactText(f.Error())
	}
	return crawler.Errorf(netErrorType(netErrorCode.FindString(failure)), "browser: %s navigated to %s: %s",
		crawler.Redact(start), dest.Host, failure)
}

// failedStatus is the status and URL of the main-frame response whose
// navigation Chromium failed with ERR_HTTP_RESPONSE_CODE_FAILURE (an error
// status with an empty body), or 0 when err is not that.
func (j *jobState) failedStatus(err error) (int, *url.URL) {
	if netErrorCode.FindString(firstLine(err)) != "ERR_HTTP_RESPONSE_CODE_FAILURE" {
		return 0, nil
	}
	_, req := j.nav()
	if req == nil {
		return 0, nil
	}
	resp, rerr := req.Response()
	if rerr != nil || resp == nil {
		return 0, nil
	}
	u, perr := url.Parse(resp.URL())
	if perr != nil {
		return 0, nil
	}
	return resp.Status(), u
}

func urlOf(req playwright.Request) string {
	if req == nil {
		return ""
	}
	return req.URL()
}

// openError classifies a failure to set up a page, which only a broken
// browser has.
func (f *Fetcher) openError(inst *instance, op string, target *url.URL, err error) error {
	if !f.alive(inst) {
		return crawler.Errorf(crawler.ErrBrowser, "browser: %s for %s: %w (%s)", op, crawler.Redact(target), ErrDisconnected, firstLine(err))
	}
	return crawler.Errorf(crawler.ErrBrowser, "browser: %s for %s: %s", op, crawler.Redact(target), firstLine(err))
}

// alive asks the browser something trivial, after an error nothing else
// explains. A driver that died says nothing to playwright-go's Browser, so
// this is how its death is noticed; an instance that cannot answer within
// aliveTimeout is lost as well, and its shutdown ends the question.
func (f *Fetcher) alive(inst *instance) bool {
	if inst.lost.Load() || !inst.browser.IsConnected() {
		return false
	}
	ok := make(chan bool, 1)
	go func() {
		_, err := inst.probe.Cookies()
		ok <- err == nil
	}()
	select {
	case v := <-ok:
		if v {
			return true
		}
	case <-time.After(aliveTimeout):
	}
	f.lose(inst, ReasonDisconnected)
	return false
}

const aliveTimeout = 5 * time.Second

// Playwright's messages read "net::ERR_NAME_NOT_RESOLVED at http://…".
var netErrorCode = regexp.MustCompile(`ERR_[A-Z0-9_]+`)

// netErrorType maps Chromium's net error codes to the product's types.
func netErrorType(code string) crawler.ErrorType {
	switch {
	case strings.HasPrefix(code, "ERR_CERT_"), strings.HasPrefix(code, "ERR_SSL_"),
		code == "ERR_BAD_SSL_CLIENT_AUTH_CERT":
		return crawler.ErrTLS
	}
	switch code {
	case "ERR_NAME_NOT_RESOLVED", "ERR_NAME_RESOLUTION_FAILED":
		return crawler.ErrDNS
	case "ERR_TIMED_OUT", "ERR_CONNECTION_TIMED_OUT":
		return crawler.ErrTimeout
	case "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED",
		"ERR_CONNECTION_FAILED", "ERR_CONNECTION_ABORTED", "ERR_ADDRESS_UNREACHABLE",
		"ERR_EMPTY_RESPONSE", "ERR_TUNNEL_CONNECTION_FAILED", "ERR_PROXY_CONNECTION_FAILED":
		return crawler.ErrConnect
	case "ERR_BLOCKED_BY_CLIENT", "ERR_UNSAFE_PORT", "ERR_UNSAFE_REDIRECT",
		"ERR_DISALLOWED_URL_SCHEME", "ERR_BLOCKED_BY_ADMINISTRATOR", "ERR_ACCESS_DENIED":
		return crawler.ErrBlocked
	case "ERR_TOO_MANY_REDIRECTS":
		return crawler.ErrHTTP4xx
	case "ERR_RESPONSE_HEADERS_TOO_BIG", "ERR_FILE_TOO_BIG":
		return crawler.ErrTooLarge
	case "ERR_INVALID_RESPONSE", "ERR_INVALID_HTTP_RESPONSE", "ERR_CONTENT_DECODING_FAILED",
		"ERR_INVALID_CHUNKED_ENCODING", "ERR_CONTENT_LENGTH_MISMATCH", "ERR_INCOMPLETE_CHUNKED_ENCODING":
		return crawler.ErrParse
	}
	return crawler.ErrBrowser
}

// statusError classifies a non-2xx main response the way the HTTP fetcher
// does: 408 is a timeout and 429 a 5xx, the retryable types.
func statusError(code int, final *url.URL) error {
	t := crawler.ErrHTTP4xx
	switch {
	case code == http.StatusRequestTimeout:
		t = crawler.ErrTimeout
	case code == http.StatusTooManyRequests, code >= 500:
		t = crawler.ErrHTTP5xx
	}
	return crawler.Errorf(t, "browser: get %s: status %d", crawler.Redact(final), code)
}

// proxyRefusal is the error for a main response the proxy made itself: a
// redirect hop to a refused address, or a target it could not reach.
func (j *jobState) proxyRefusal(resp playwright.Response, typ string, final *url.URL) error {
	if why := j.sess.refusal(authority(final)); why != nil {
		return fmt.Errorf("browser: get %s: %w", crawler.Redact(final), why)
	}
	t := crawler.ErrorType(typ)
	if !knownType(t) {
		t = crawler.ErrConnect
	}
	why, _ := resp.Text()
	return crawler.Errorf(t, "browser: get %s: proxy: %s", crawler.Redact(final), strings.TrimSpace(why))
}

func knownType(t crawler.ErrorType) bool {
	for _, k := range crawler.ErrorTypes {
		if t == k {
			return true
		}
	}
	return false
}

// tunnelAuthority is the host:port of the main-frame request that failed.
func tunnelAuthority(lastNav string, target *url.URL) string {
	if u, err := url.Parse(lastNav); err == nil && lastNav != "" {
		return authority(u)
	}
	return authority(target)
}

// firstLine drops Playwright's call log, which follows the message, and
// the query strings of the URLs the message repeats.
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return crawler.RedactText(strings.TrimSpace(s))
}
