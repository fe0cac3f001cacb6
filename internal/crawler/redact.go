package crawler

import (
	"net/url"
	"regexp"
	"strings"
)

// RedactURL keeps a URL's scheme, host and path: query strings, fragments
// and user info can carry tokens, and never reach a log line, a printed
// result or a metric attribute.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return Redact(u)
}

// Redact is RedactURL for a parsed URL.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, Opaque: u.Opaque}
	return r.String()
}

var (
	// absoluteURL is a URL in free text: a scheme, "://", and all up to a
	// space, a quote or an angle bracket.
	absoluteURL = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]+")
	// pathQuery is a path with a query or fragment, as net/http quotes a
	// relative redirect: "/next?token=…".
	pathQuery = regexp.MustCompile(`(^|[\s"'(=])(/[^\s"'<>?#]*)[?#][^\s"'<>]*`)
)

// RedactText is s with every URL in it redacted as RedactURL does and the
// query and fragment cut from relative paths. Error messages need it: the
// libraries quote the URLs they were given (net/http, Playwright).
func RedactText(s string) string {
	if !strings.ContainsAny(s, "?#@") {
		return s
	}
	s = absoluteURL.ReplaceAllStringFunc(s, func(raw string) string {
		// Punctuation that ends a sentence or a clause ends the URL too.
		trimmed := strings.TrimRight(raw, ":,.;)")
		return redactInText(trimmed) + raw[len(trimmed):]
	})
	return pathQuery.ReplaceAllString(s, "$1$2")
}

// redactInText is RedactURL that cuts an unparsable URL by hand.
func redactInText(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return Redact(u)
	}
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	scheme, rest, _ := strings.Cut(raw, "://")
	authority, path, hasPath := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	if hasPath {
		path = "/" + path
	}
	return scheme + "://" + authority + path
}

// RedactError is err with RedactText applied to its message. errors.Is,
// errors.As and TypeOf see through it to err.
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{err}
}

type redactedError struct{ err error }

func (e redactedError) Error() string { return RedactText(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }
