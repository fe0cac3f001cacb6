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
	// space, a quote or an angle bracket; but a query or fragment runs to
	// the next space, since a URL given raw may carry quotes in its query.
	absoluteURL = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`?#]*(?:[?#]\\S*)?")
	// pathQuery is a path with a query or fragment, as net/http quotes a
	// relative redirect: "/next?token=…".
	pathQuery = regexp.MustCompile(`(^|[\s"'(=])(/[^\s"'<>?#]*)[?#][^\s"'<>]*`)
	// quoted is a Go-quoted string, escapes and all: what %q makes of a
	// value too malformed to be found as a URL (net/http's "failed to
	// parse Location header").
	quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// RedactText is s with every URL in it redacted as RedactURL does, the
// query and fragment cut from relative paths, and whatever follows a ? or
// # cut from each double-quoted string. Error messages need it: the
// libraries quote the URLs they were given (net/http, Playwright), even
// malformed ones.
func RedactText(s string) string {
	if !strings.ContainsAny(s, "?#@") {
		return s
	}
	s = quoted.ReplaceAllStringFunc(s, func(q string) string {
		if i := strings.IndexAny(q, "?#"); i >= 0 {
			return q[:i] + `"`
		}
		return q
	})
	s = absoluteURL.ReplaceAllStringFunc(s, func(raw string) string {
		// Punctuation that ends a sentence or a clause ends the URL too.
		trimmed := strings.TrimRight(raw, ":,.;)]")
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
