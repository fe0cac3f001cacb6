package browser

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
)

// A session's port is a loopback port any local process can connect to,
// and what it carries leaves through the job's upstream proxy, with its
// credentials, against the job's budget. So the session asks for
// credentials of its own, which only the job's browser context is given:
// the user sessionUser and the session's secret as the password, sent as
// Basic Proxy-Authorization. Chromium sends them only once challenged
// (407), so every request and CONNECT without them gets the challenge and
// nothing else: it reaches no upstream and no target, and is not counted
// or remembered as a refusal of the job's.
//
// Playwright gives a Chromium context's proxy credentials to every
// challenge, a target's 401 as well as the proxy's 407, so a site that
// asks for Basic credentials learns the secret: it opens only this port,
// from this machine, while the job runs.
const sessionUser = "job"

// newSecret is a session's password: 16 random bytes, in hex.
func newSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails: crypto/rand crashes the program instead
	return hex.EncodeToString(b)
}

// authorized reports whether r carries the session's credentials. The
// secret is compared in constant time, so timing tells a guesser nothing.
func (s *session) authorized(r *http.Request) bool {
	user, pass, ok := parseBasic(r.Header.Get("Proxy-Authorization"))
	match := subtle.ConstantTimeCompare([]byte(pass), []byte(s.secret)) == 1
	return ok && match && user == sessionUser
}

// parseBasic decodes Basic credentials, as net/http does for
// Authorization.
func parseBasic(header string) (user, pass string, ok bool) {
	const prefix = "Basic "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(header[len(prefix):])
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// challenge answers a request without the session's credentials. Chromium
// answers it with the credentials its context was given and retries.
func challenge(w http.ResponseWriter) {
	w.Header().Set("Proxy-Authenticate", `Basic realm="crawler"`)
	http.Error(w, "proxy: authentication required", http.StatusProxyAuthRequired)
}
