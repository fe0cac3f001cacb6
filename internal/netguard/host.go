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

// Normalize puts u's host name in the form HostKey reads it (the IDNA
// lookup form, lower case, no trailing dot), keeping the port as given: a
// full-width or mixed-case spelling is sent as the name it stands for, as
// browsers send it, not as the punycode of its literal characters.
func Normalize(u *url.URL) {
	host := strings.TrimSuffix(u.Hostname(), ".")
	if strings.Contains(host, ":") || host == "" {
		return // an IPv6 literal
	}
	ascii, err := hostProfile.ToASCII(host)
	if err != nil {
		return
	}
	ascii = strings.ToLower(ascii)
	if port := u.Port(); port != "" {
		u.Host = net.JoinHostPort(ascii, port)
		return
	}
	u.Host = ascii
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
