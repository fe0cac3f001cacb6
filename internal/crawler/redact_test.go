package crawler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://user:secret@example.com/a/b?token=x#frag": "https://example.com/a/b",
		"http://example.com":      "http://example.com",
		"http://[::1]:8080/p?q=1": "http://[::1]:8080/p",
		"%zz":                     "(unparsable URL)",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	if Redact(nil) != "" {
		t.Error("Redact(nil) is not empty")
	}
}

func TestRedactText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"no url here":                        "no url here",
		"what? #1 at user@host":              "what? #1 at user@host",
		`Get "http://h:1/loop?token=S": EOF`: `Get "http://h:1/loop": EOF`,
		`Get "/loop?token=S": http_4xx: httpfetch: too many redirects`:                          `Get "/loop": http_4xx: httpfetch: too many redirects`,
		"Frame.Goto https://a.example/x?k=S: playwright: net::ERR_X at https://a.example/x?k=S": "Frame.Goto https://a.example/x: playwright: net::ERR_X at https://a.example/x",
		"proxy http://user:pass@proxy.example:3128/ refused":                                    "proxy http://proxy.example:3128/ refused",
		"bad http://u:p@h%zz/p?q=S end":                                                         "bad http://h%zz/p end",
		"two: http://a/?x=1 and https://b/c#frag":                                               "two: http://a/ and https://b/c",
		"location=/next?session=S":                                                              "location=/next",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

func TestRedactError(t *testing.T) {
	t.Parallel()
	inner := Errorf(ErrBlocked, "get http://h/p?token=S: %w", context.Canceled)
	err := RedactError(fmt.Errorf("wrapped: %w", inner))
	if got := err.Error(); strings.Contains(got, "token") || !strings.Contains(got, "http://h/p") {
		t.Errorf("message %q, want the URL without its query", got)
	}
	if TypeOf(err) != ErrBlocked || !errors.Is(err, context.Canceled) {
		t.Errorf("TypeOf = %s, Is(Canceled) = %v: the wrapper hides the chain", TypeOf(err), errors.Is(err, context.Canceled))
	}
	if RedactError(nil) != nil {
		t.Error("RedactError(nil) is not nil")
	}
}
