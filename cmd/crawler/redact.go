package main

import "net/url"

// redactURL drops a URL's query string, fragment and user info: what a log
// line or printed result may show.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment = nil, "", "", ""
	return u.String()
}
