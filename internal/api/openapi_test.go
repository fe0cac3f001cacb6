package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/crawler-service/crawler/internal/api"
)

// contract is the OpenAPI document (internal/api/openapi.json, as the
// binary embeds it) that every exchange of these tests is checked
// against, so that the document cannot drift from the server.
type contract struct {
	doc *openapi3.T
	// mux routes the document's operations with the server's own router,
	// so that a request finds the operation the server ran (kin-openapi's
	// routers match /v1/queue/ to /v1/queue, and GET to a POST-only path).
	mux    *http.ServeMux
	routes map[string]*routers.Route // by mux pattern
}

// loadContract loads and validates the document once for all tests; the
// loaded document is only read afterwards, so parallel tests share it.
var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("openapi.json is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	c := &contract{doc: doc, mux: http.NewServeMux(), routes: map[string]*routers.Route{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			pattern := method + " " + path
			c.mux.Handle(pattern, http.NotFoundHandler()) // only its pattern is used
			c.routes[pattern] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return c, nil
})

// route finds req's operation and path parameters, or nil. HEAD is routed
// as GET, as net/http serves it.
func (c *contract) route(req *http.Request) (*routers.Route, map[string]string) {
	probe := req.Clone(context.Background())
	if probe.Method == http.MethodHead {
		probe.Method = http.MethodGet
	}
	_, pattern := c.mux.Handler(probe)
	route := c.routes[pattern]
	if route == nil {
		return nil, nil
	}
	params := map[string]string{}
	want := strings.Split(route.Path, "/")
	got := strings.Split(req.URL.EscapedPath(), "/")
	for i, seg := range want {
		if name, ok := strings.CutPrefix(seg, "{"); ok && i < len(got) {
			v, err := url.PathUnescape(got[i])
			if err != nil {
				v = got[i]
			}
			params[strings.TrimSuffix(name, "}")] = v
		}
	}
	return route, params
}

func openAPI(t *testing.T) *contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// allowed lists the methods the document has for req's path, in the
// order the server's Allow header lists them.
func (c *contract) allowed(req *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := req.Clone(context.Background())
		probe.Method = m
		if _, pattern := c.mux.Handler(probe); c.routes[pattern] != nil {
			allow = append(allow, m)
		}
	}
	return allow
}

// exchange is one request a test sent and the answer it got.
type exchange struct {
	req     *http.Request // as sent, but for its body, which is reqBody
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
	open    bool // the API ran with API_AUTH=none
}

// check fails t when the exchange contradicts the document:
//   - an answer must be one the document gives for that operation: a
//     documented status, with the documented headers and body;
//   - a request the document refuses must have been refused (4xx): a test
//     that sends bad input on purpose gets its answer checked, and one
//     that sends bad input by mistake is caught;
//   - a request the document accepts must parse (never 400);
//   - a path the document lacks must be answered 401 or 404, and a method
//     it lacks on a path it has 401 or 405 with the document's methods in
//     Allow, with the API's error body.
func (c *contract) check(t *testing.T, x exchange) {
	t.Helper()
	req := x.req.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(x.reqBody))
	name := x.req.Method + " " + x.req.URL.RequestURI()

	route, params := c.route(req)
	if route == nil {
		allow := strings.Join(c.allowed(req), ", ")
		switch {
		case x.status == http.StatusUnauthorized:
		case x.status == http.StatusNotFound && allow == "":
		case x.status == http.StatusMethodNotAllowed && allow != "":
			if got := x.header.Get("Allow"); got != allow {
				t.Errorf("openapi: %s: Allow: %q, but the document has %s for this path", name, got, allow)
			}
		default:
			t.Errorf("openapi: %s is no operation of the document (which has %q for this path), but the server answered %d", name, allow, x.status)
		}
		c.checkErrorBody(t, name, x)
		return
	}

	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true, AuthenticationFunc: bearer(x.open)},
	}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case reqErr != nil && x.status < 400:
		t.Errorf("openapi: %s: the server answered %d to a request the document refuses: %v", name, x.status, reqErr)
	case reqErr == nil && x.status == http.StatusBadRequest && json.Valid(x.reqBody):
		// kin-openapi decodes the first JSON value and ignores what
		// follows it, so the document's application/json is checked here.
		t.Errorf("openapi: %s: the server called malformed (400) a request the document accepts: %s", name, x.body)
	}

	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: x.status, Header: x.header,
		Body:    io.NopCloser(bytes.NewReader(x.body)),
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("openapi: %s: the answer %d %.300q is not one the document gives: %v", name, x.status, x.body, err)
	}
	// ValidateResponse checks no body where the document has none.
	if resp := route.Operation.Responses.Status(x.status); resp != nil && len(resp.Value.Content) == 0 && len(x.body) > 0 {
		t.Errorf("openapi: %s: the answer %d has a body %.300q where the document has none", name, x.status, x.body)
	}
}

// checkErrorBody checks an answer given outside the document's
// operations against its ErrorBody schema.
func (c *contract) checkErrorBody(t *testing.T, name string, x exchange) {
	t.Helper()
	if ct := x.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("openapi: %s: answer %d with Content-Type %q, want application/json", name, x.status, ct)
		return
	}
	var body any
	if err := json.Unmarshal(x.body, &body); err != nil {
		t.Errorf("openapi: %s: answer %d %.300q is not JSON: %v", name, x.status, x.body, err)
		return
	}
	schema := c.doc.Components.Schemas["ErrorBody"].Value
	if err := c.doc.ValidateSchemaJSON(schema, body, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("openapi: %s: answer %d %.300q is not an ErrorBody: %v", name, x.status, x.body, err)
	}
}

// bearer is the document's bearer scheme as a client must follow it: an
// Authorization header of scheme Bearer with a token. Whether the token
// is right is the server's to say (401), not the document's. With
// API_AUTH=none no token is needed.
func bearer(open bool) openapi3filter.AuthenticationFunc {
	return func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		if open {
			return nil
		}
		if in.SecurityScheme.Type != "http" || !strings.EqualFold(in.SecurityScheme.Scheme, "bearer") {
			return fmt.Errorf("unknown security scheme %s", in.SecuritySchemeName)
		}
		scheme, token, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return errors.New("no bearer token")
		}
		return nil
	}
}

// replay reads body whole, for the check, and returns a reader that sends
// the same bytes the same way: with a Content-Length when net/http could
// see the original's length, chunked otherwise.
func replay(t *testing.T, body io.Reader) ([]byte, io.Reader) {
	t.Helper()
	if body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read request body: %v", err)
	}
	switch body.(type) {
	case *strings.Reader, *bytes.Reader, *bytes.Buffer:
		return b, bytes.NewReader(b)
	}
	return b, hideLength{bytes.NewReader(b)}
}
