package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/api"
)

// batch renders n jobs as a POST /v1/jobs body; bad, when >= 0, is the
// index of one job with an ftp URL.
func batch(n, bad int) string {
	var b strings.Builder
	b.WriteString(`{"jobs":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		scheme := "https"
		if i == bad {
			scheme = "ftp"
		}
		fmt.Fprintf(&b, `{"url":"%s://example.com/%d"}`, scheme, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// hideLength makes a body of unknown length, sent chunked, so the server
// cannot refuse it by its Content-Length and must count while reading.
type hideLength struct{ io.Reader }

// TestBadInput: everything a client can get wrong gets a 4xx with a JSON
// error naming the problem; nothing gets a 5xx.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	e.call(t, "POST", "/v1/schedules", `{"name":"taken","job":{"url":"https://example.com"}}`, http.StatusCreated, nil)

	const good = "Bearer " + token
	oversize := `{"url":"https://example.com/` + strings.Repeat("a", api.DefaultMaxBodyBytes) + `"}`
	tests := []struct {
		name, method, path, auth string
		body                     io.Reader
		status                   int
		code                     string
		field, reason            string // a field the answer must name, and part of its reason
	}{
		{"malformed json", "POST", "/v1/jobs", good, strings.NewReader(`{"url":`), 400, "malformed_request", "", ""},
		{"not json", "POST", "/v1/jobs", good, strings.NewReader(`url=https://example.com`), 400, "malformed_request", "", ""},
		{"empty body", "POST", "/v1/jobs", good, strings.NewReader(``), 400, "malformed_request", "", ""},
		{"trailing data", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com"} {}`), 400, "malformed_request", "", ""},
		{"array body", "POST", "/v1/jobs", good, strings.NewReader(`[]`), 422, "invalid_request", "", ""},
		{"unknown field", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com","colour":"red"}`), 422, "invalid_request", "colour", "unknown field"},
		{"unknown nested field", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com","rank":{"selector":"li","match":"x","top":3}}`), 422, "invalid_request", "top", "unknown field"},
		{"wrong type", "POST", "/v1/jobs", good, strings.NewReader(`{"url":5}`), 422, "invalid_request", "url", "must be a string"},
		{"missing url", "POST", "/v1/jobs", good, strings.NewReader(`{}`), 422, "invalid_request", "url", "required"},
		{"bad scheme", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"ftp://example.com/file"}`), 422, "invalid_request", "url", "scheme must be http or https"},
		{"userinfo", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://user:pw@example.com/"}`), 422, "invalid_request", "url", "credentials"},
		{"metadata address", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"http://169.254.169.254/latest/meta-data/"}`), 422, "invalid_request", "url", "metadata"},
		{"loopback refused by policy", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"http://127.0.0.1:8080/"}`), 422, "invalid_request", "url", "loopback"},
		{"invalid selector", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com","rank":{"selector":"li[","match":"x"}}`), 422, "invalid_request", "rank.selector", "not valid CSS"},
		{"rank without match", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com","rank":{"selector":"li"}}`), 422, "invalid_request", "rank.match", "required"},
		{"invalid method", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com","method":"curl"}`), 422, "invalid_request", "method", "auto, http or browser"},
		{"long idempotency key", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com","idempotency_key":"` + strings.Repeat("k", 257) + `"}`), 422, "invalid_request", "idempotency_key", "longer"},
		{"bad job in batch", "POST", "/v1/jobs", good, strings.NewReader(batch(5, 3)), 422, "invalid_request", "jobs[3].url", "scheme must be http or https"},
		{"batch of 10,001", "POST", "/v1/jobs", good, strings.NewReader(batch(10_001, -1)), 422, "invalid_request", "jobs", "at most 10000"},
		{"empty batch", "POST", "/v1/jobs", good, strings.NewReader(`{"jobs":[]}`), 422, "invalid_request", "jobs", "at least one"},
		{"job and batch", "POST", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com","jobs":[{"url":"https://example.com"}]}`), 422, "invalid_request", "jobs", "not both"},
		{"oversize body", "POST", "/v1/jobs", good, strings.NewReader(oversize), 413, "too_large", "", ""},
		{"oversize body chunked", "POST", "/v1/jobs", good, hideLength{strings.NewReader(oversize)}, 413, "too_large", "", ""},
		{"missing token", "POST", "/v1/jobs", "", strings.NewReader(`{"url":"https://example.com"}`), 401, "unauthorized", "", ""},
		{"wrong token", "POST", "/v1/jobs", "Bearer " + token + "x", strings.NewReader(`{"url":"https://example.com"}`), 401, "unauthorized", "", ""},
		{"basic auth", "GET", "/v1/queue", "Basic " + token, nil, 401, "unauthorized", "", ""},
		{"empty bearer", "GET", "/v1/queue", "Bearer ", nil, 401, "unauthorized", "", ""},
		{"unknown route without token", "GET", "/v1/secret", "", nil, 401, "unauthorized", "", ""},
		{"unknown route", "GET", "/v1/secret", good, nil, 404, "not_found", "", ""},
		{"wrong method", "PUT", "/v1/jobs", good, strings.NewReader(`{"url":"https://example.com"}`), 405, "method_not_allowed", "", ""},
		{"wrong method on a job", "PUT", "/v1/jobs/01jzzzzzzzzzzzzzzzzzzzzzzz", good, nil, 405, "method_not_allowed", "", ""},
		{"wrong method without token", "PUT", "/v1/jobs", "", nil, 401, "unauthorized", "", ""},
		{"unknown job id", "GET", "/v1/jobs/01jzzzzzzzzzzzzzzzzzzzzzzz", good, nil, 404, "not_found", "", ""},
		{"junk job id", "GET", "/v1/jobs/NOT%20AN%20ID", good, nil, 404, "not_found", "", ""},
		{"unknown schedule", "GET", "/v1/schedules/nope", good, nil, 404, "not_found", "", ""},
		{"delete unknown schedule", "DELETE", "/v1/schedules/nope", good, nil, 404, "not_found", "", ""},
		{"results of unknown schedule", "GET", "/v1/schedules/nope/results", good, nil, 404, "not_found", "", ""},
		{"bad results limit", "GET", "/v1/schedules/taken/results?limit=1000", good, nil, 422, "invalid_request", "limit", "1 to 100"},
		{"duplicate schedule", "POST", "/v1/schedules", good, strings.NewReader(`{"name":"taken","job":{"url":"https://example.com"}}`), 409, "conflict", "", ""},
		{"invalid cron", "POST", "/v1/schedules", good, strings.NewReader(`{"name":"n","cron":"every day","job":{"url":"https://example.com"}}`), 422, "invalid_request", "cron", "expected exactly 5 fields"},
		{"seconds cron", "POST", "/v1/schedules", good, strings.NewReader(`{"name":"n","cron":"* * * * * *","job":{"url":"https://example.com"}}`), 422, "invalid_request", "cron", "5 fields"},
		{"invalid schedule name", "POST", "/v1/schedules", good, strings.NewReader(`{"name":"a/b","job":{"url":"https://example.com"}}`), 422, "invalid_request", "name", "letters, digits"},
		{"schedule without job", "POST", "/v1/schedules", good, strings.NewReader(`{"name":"n"}`), 422, "invalid_request", "job", "required"},
		{"schedule with bad url", "POST", "/v1/schedules", good, strings.NewReader(`{"name":"n","job":{"url":"file:///etc/passwd"}}`), 422, "invalid_request", "job.url", "scheme"},
		{"schedule job with idempotency key", "POST", "/v1/schedules", good, strings.NewReader(`{"name":"n","job":{"url":"https://example.com","idempotency_key":"k"}}`), 422, "invalid_request", "idempotency_key", "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.do(t, tt.method, tt.path, tt.auth, tt.body)
			if r.status != tt.status || r.err.Code != tt.code {
				t.Fatalf("%s %s = %d %q, want %d %s", tt.method, tt.path, r.status, r.body, tt.status, tt.code)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.field != "" && !strings.Contains(r.err.Fields[tt.field], tt.reason) {
				t.Errorf("fields = %v, want %s: ...%s...", r.err.Fields, tt.field, tt.reason)
			}
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
			if tt.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer (got %q)", r.header.Get("WWW-Authenticate"))
			}
			if strings.Contains(string(r.body), "goroutine") || strings.Contains(string(r.body), ".go:") {
				t.Errorf("answer leaks internals: %s", r.body)
			}
		})
	}
	if n, _ := e.q.Counts(t.Context()); n.Waiting != 0 {
		t.Errorf("bad input enqueued %d jobs", n.Waiting)
	}
}
