package crawler

import "net/url"

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
