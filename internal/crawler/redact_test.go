package crawler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
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
		`Get "/loop?token=S": http_4xx: httpfetch: too many redirects`:                                 `Get "/loop": http_4xx: httpfetch: too many redirects`,
		"Frame.Goto https://a.example/x?k=S: playwright: net::ERR_X at https://a.example/x?k=S":        "Frame.Goto https://a.example/x: playwright: net::ERR_X at https://a.example/x",
		"proxy http://user:pass@proxy.example:3128/ refused":                                           "proxy http://proxy.example:3128/ refused",
		"bad http://u:p@h%zz/p?q=S end":                                                                "bad http://h%zz/p end",
		"two: http://a/?x=1 and https://b/c#frag":                                                      "two: http://a/ and https://b/c",
		"location=/next?session=S":                                                                     "location=/next",
		`failed to parse Location header "%zz?token=S": parse "%zz?token=S": invalid URL escape "%zz"`: `failed to parse Location header "%zz": parse "%zz": invalid URL escape "%zz"`,
		`Location header "http://h:bad/?a=\"S\"": invalid port`:                                        `Location header "http://h:bad/": invalid port`,
		`Location header "http://h:bad/?a=1 token=S": invalid port`:                                    `Location header "http://h:bad/": invalid port`,
		"[http://h/p?token=S]":                                                                         "[http://h/p]",
		`a "x" b?c "d"`:                                                                                `a "x" b?c "d"`,
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

// FuzzRedactText: a URL's query never survives, whatever text surrounds the
// URL and however the message quotes it.
func FuzzRedactText(f *testing.F) {
	f.Add("Get", "h.example", "/p", ": EOF")
	f.Add("parse", "h:bad", "/x%20y", ": invalid port")
	f.Add("at", "[::1]:8080", "", "]")
	f.Fuzz(func(t *testing.T, before, host, path, after string) {
		const secret = "Zq9SECRETx"
		// The property holds for URL-shaped hosts and paths inside a
		// message's own words, which have no quotes of their own to pair
		// with the quoted URL's; other inputs are outside it.
		if strings.Contains(before+host+path+after, secret) || strings.ContainsAny(host+path, "\"'<>`\\?#") || strings.IndexFunc(host+path, unicode.IsSpace) >= 0 ||
			strings.ContainsAny(before+after, "\"\\") {
			return
		}
		raw := "http://" + host + path + "?token=" + secret
		for _, msg := range []string{
			before + " " + raw + " " + after,
			before + fmt.Sprintf(" %q ", raw) + after,
			before + fmt.Sprintf(" parse %q: ", path+"?token="+secret) + after,
			before + " at http://" + host + path + `?a="b'<c>&token=` + secret + " " + after,
		} {
			if got := RedactText(msg); strings.Contains(got, secret) {
				t.Fatalf("RedactText(%q) = %q keeps the query", msg, got)
			}
		}
	})
}
