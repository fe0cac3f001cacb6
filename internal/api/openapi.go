package api

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDocument is the OpenAPI 3.1 description of every route in
// routes.go. The API's tests validate each request and answer against it,
// so it is served exactly as kept, never generated.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns a copy of the OpenAPI document GET
// /v1/openapi.json serves.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDocument...) }

func (s *server) handleOpenAPI() http.Handler {
	length := strconv.Itoa(len(openAPIDocument))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(openAPIDocument) // the status is sent; a failed write means the client went away
	})
}
