package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authenticate lets a request through only with the configured bearer
// token. Both sides are hashed before the constant-time compare so that
// neither the token's bytes nor its length leak through timing.
func (s *server) authenticate(next http.Handler) http.Handler {
	if s.cfg.Open {
		return next
	}
	want := sha256.Sum256([]byte(s.cfg.Token))
	configured := s.cfg.Token != ""
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crawler"`)
			s.writeError(w, r, errorf(codeUnauthorized, "missing bearer token: send Authorization: Bearer <API_TOKEN>"))
			return
		}
		got := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || !configured {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crawler", error="invalid_token"`)
			s.writeError(w, r, errorf(codeUnauthorized, "invalid bearer token"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
