package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authenticate lets a request through only with the configured bearer
// token.
func (s *server) authenticate(next http.Handler) http.Handler {
	if s.cfg.Open {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch s.credential(r) {
		case tokenMissing:
			w.Header().Set("WWW-Authenticate", `Bearer realm="crawler"`)
			s.writeError(w, r, errorf(codeUnauthorized, "missing bearer token: send Authorization: Bearer <API_TOKEN>"))
		case tokenWrong:
			w.Header().Set("WWW-Authenticate", `Bearer realm="crawler", error="invalid_token"`)
			s.writeError(w, r, errorf(codeUnauthorized, "invalid bearer token"))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// The credential a request carries.
type credential int

const (
	tokenMissing credential = iota
	tokenWrong
	tokenValid
)

// credential checks r's bearer token against the configured one. Both
// sides are hashed before the constant-time compare so that neither the
// token's bytes nor its length leak through timing. With the API open
// every request counts as valid.
func (s *server) credential(r *http.Request) credential {
	if s.cfg.Open {
		return tokenValid
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return tokenMissing
	}
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], s.tokenSum[:]) != 1 || s.cfg.Token == "" {
		return tokenWrong
	}
	return tokenValid
}
