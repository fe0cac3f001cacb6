package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const secret = "s3cret-token-value"

func TestErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/queue":
			if r.Header.Get("Authorization") != "Bearer "+secret {
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"error":{"code":"unauthorized","message":"missing or wrong bearer token"}}`))
				return
			}
			w.Write([]byte(`{"waiting":3,"active":1}`))
		case "/v1/jobs/a%2Fb", "/v1/jobs/a/b":
			// The id is one path segment, escaped.
			if r.URL.RawPath != "/v1/jobs/a%2Fb" {
				w.WriteHeader(http.StatusTeapot)
				return
			}
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":{"code":"not_found","message":"no job a/b"}}`))
		case "/v1/schedules":
			w.Write([]byte(`{"schedules":[` + strings.Repeat(`{"name":"x"},`, 200) + `{"name":"y"}]}`))
		case "/v1/schedules/slow":
			time.Sleep(300 * time.Millisecond)
		case "/v1/schedules/moved":
			http.Redirect(w, r, "http://example.com/", http.StatusFound)
		case "/v1/schedules/proxy":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway\nmore</html>"))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	good := mustNew(t, Config{URL: srv.URL + "/", Token: secret})
	bad := mustNew(t, Config{URL: srv.URL, Token: "wrong-" + secret})
	small := mustNew(t, Config{URL: srv.URL, Token: secret, MaxResponseBytes: 1000, Timeout: 100 * time.Millisecond})

	if q, err := good.Queue(ctx); err != nil || q.Waiting != 3 || q.Active != 1 {
		t.Errorf("Queue = %+v, %v", q, err)
	}
	_, err := bad.Queue(ctx)
	if !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), secret) {
		t.Errorf("wrong token: %v; want ErrUnauthorized without the token", err)
	}
	if _, err := good.Job(ctx, "a/b"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no job a/b") {
		t.Errorf("Job(a/b): %v; want ErrNotFound with the API's message", err)
	}
	if _, err := small.Schedules(ctx); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large answer: %v; want ErrTooLarge", err)
	}
	if _, err := small.Schedule(ctx, "slow"); !errors.Is(err, ErrUnreachable) {
		t.Errorf("slow answer: %v; want ErrUnreachable", err)
	}
	var apiErr *Error
	if _, err := good.Schedule(ctx, "moved"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusFound {
		t.Errorf("redirect: %v; want a 302 error, not followed", err)
	}
	if _, err := good.Schedule(ctx, "proxy"); !errors.As(err, &apiErr) || apiErr.Message != "<html>bad gateway" {
		t.Errorf("foreign error body: %v", err)
	}
}

// TestHostileErrors checks that an error answer's control and bidi
// characters, in the API's message and fields or in a foreign body's
// first line, never reach Error(): it is what a CLI prints.
func TestHostileErrors(t *testing.T) {
	t.Parallel()
	const evil = "\x1b]0;HACKED\x07\x1b[2J\x1b[31m\u009b1m\x7f\u202eevil\u2066\u200f\r"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/queue":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(evil + "gateway\nsecond line"))
		default:
			w.WriteHeader(http.StatusUnprocessableEntity)
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "invalid", "message": evil + "msg",
				"fields": map[string]string{"f" + evil: "reason" + evil}}})
			w.Write(b)
		}
	}))
	defer srv.Close()
	c := mustNew(t, Config{URL: srv.URL})
	_, err1 := c.Queue(context.Background())
	_, err2 := c.Job(context.Background(), "abc")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{err1, "502 Bad Gateway: ]0;HACKED[2J[31m1mevil gateway"},
		{err2, "422 Unprocessable Entity: ]0;HACKED[2J[31m1mevil msg; f]0;HACKED[2J[31m1mevil : reason]0;HACKED[2J[31m1mevil "},
	} {
		if tc.err == nil || !strings.HasSuffix(tc.err.Error(), tc.want) {
			t.Errorf("hostile answer: %q; want it to end %q", tc.err, tc.want)
		}
	}
	var e *Error
	if !errors.As(err2, &e) || e.Message != evil+"msg" {
		t.Errorf("Error.Message = %q; want the API's message as it came", e.Message)
	}
}

func TestRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := mustNew(t, Config{URL: "http://" + addr, Token: secret})
	_, err = c.Queue(context.Background())
	if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), secret) {
		t.Errorf("closed port: %v; want ErrUnreachable without the token", err)
	}
}

func TestNewRefusesBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"127.0.0.1:8080", "ftp://h/", "http://", "http://u:p@h/", "http://h/?a=1", "://",
		"http://user:pw@api.example:8080/base?token=tq#f", "user:pw@api.example:8080", "http://user:pw@api\x7f.example/?token=tq", "//user:pw@h"} {
		_, err := New(Config{URL: u})
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%q) = %v; want ErrInvalidConfig", u, err)
		}
		// The message names the URL without what may be secret in it.
		if err != nil && (strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "tq") || strings.Contains(err.Error(), "user:")) {
			t.Errorf("New(%q) = %v: shows its credentials or query", u, err)
		}
	}
	if _, err := New(Config{URL: "http://user:pw@api.example:8080/base?token=tq"}); err == nil || !strings.Contains(err.Error(), `"http://api.example:8080/base"`) {
		t.Errorf("New(URL with credentials) = %v; want it named as http://api.example:8080/base", err)
	}
	c := mustNew(t, Config{})
	if c.URL() != DefaultURL {
		t.Errorf("default URL = %q", c.URL())
	}
}

func mustNew(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
