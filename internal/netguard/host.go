package netguard

import (
	"net"
	"net/url"
	"strings"
)

// HostKey is u's host as one identity, for anything keyed per host (the
// politeness limits): the IDNA lookup form (UTS #46, so case, full-width
// letters and other compatibility spellings of one name fold together),
// without a trailing dot, with the port only when it is not the scheme's
// default. A host the IDNA profile refuses is only lower-cased; ValidateURL
// has refused such URLs already.
func HostKey(u *url.URL) string {
	host := strings.TrimSuffix(u.Hostname(), ".")
	if ascii, err := hostProfile.ToASCII(host); err == nil {
		host = ascii
	}
	host = strings.ToLower(host)
	port := u.Port()
	if port == "" || port == defaultPort(u.Scheme) {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, port)
}

func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}
