package api_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/api"
)

// TestOpenAPIServed: GET /v1/openapi.json is the embedded document byte
// for byte, behind the token like the rest of /v1.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	r := e.call(t, "GET", "/v1/openapi.json", nil, http.StatusOK, nil)
	if !bytes.Equal(r.body, api.OpenAPIDocument()) {
		t.Errorf("GET /v1/openapi.json served %d bytes that differ from openapi.json (%d bytes)", len(r.body), len(api.OpenAPIDocument()))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if r := e.do(t, "GET", "/v1/openapi.json", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("GET /v1/openapi.json without a token = %d, want 401", r.status)
	}
}

// TestOpenAPIRoutes: every route routes.go registers is an operation of
// the document, and every operation of the document is a route.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	registered := registeredRoutes(t, "routes.go")
	var documented []string
	for path, item := range openAPI(t).doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(documented)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("routes.go registers %s; openapi.json has no such operation", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json has %s; routes.go registers no such route", d)
		}
	}
	if len(registered) == 0 {
		t.Fatal("found no routes in routes.go")
	}
}

// notAPIRoutes are routes.go's patterns that are not operations of the
// API: the web console's static files, which the document does not
// describe.
var notAPIRoutes = []string{"GET /ui/", "GET /ui"}

// registeredRoutes reads the patterns of file's mux.Handle calls
// ("GET /v1/jobs/{id}"), leaving out the catch-all "/". Reading the source
// is the only way: http.ServeMux cannot list its patterns.
func registeredRoutes(t *testing.T, file string) []string {
	t.Helper()
	f, err := parser.ParseFile(gotoken.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != gotoken.STRING {
			t.Errorf("routes.go: a %s whose pattern is not a string literal; this test cannot read it", sel.Sel.Name)
			return true
		}
		pattern, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		if pattern == "/" || slices.Contains(notAPIRoutes, pattern) {
			return true
		}
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			t.Errorf("routes.go: pattern %q names no method", pattern)
			return true
		}
		routes = append(routes, method+" "+path)
		return true
	})
	slices.Sort(routes)
	return routes
}
