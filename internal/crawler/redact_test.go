package crawler

import "testing"

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
