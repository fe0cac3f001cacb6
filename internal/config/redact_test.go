package config

import (
	"strings"
	"testing"
)

// TestErrorsHideCredentials: whatever a URL-valued variable holds, its
// error names the variable and never a user, password or query, in any
// spelling.
func TestErrorsHideCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, variable, value string
		hide                  []string // besides "secret"
		show                  string   // what must remain to find the mistake
	}{
		{"proxy without scheme", "CRAWL_PROXIES", "user:secret@host:3128", nil, "host:3128"},
		{"proxy without scheme or port", "CRAWL_PROXIES", "user:secret@host:port", nil, "host"},
		{"proxy scheme-relative", "CRAWL_PROXIES", "//user:secret@host:3128", nil, "host:3128"},
		{"proxy wrong scheme", "CRAWL_PROXIES", "ftp://user:secret@host:3128", nil, "ftp://"},
		{"proxy opaque", "CRAWL_PROXIES", "http:user:secret@host", nil, "host"},
		{"proxy one slash", "CRAWL_PROXIES", "http:/user:secret@host", nil, "host"},
		{"proxy user is the secret", "CRAWL_PROXIES", "secret@host:3128", nil, "host:3128"},
		{"proxy no at sign", "CRAWL_PROXIES", "user:secret", nil, "CRAWL_PROXIES"},
		{"proxy unparsable", "CRAWL_PROXIES", "http://user:secret@host:3128/%zz", nil, "host:3128"},
		{"proxy bad port", "CRAWL_PROXIES", "http://user:secret@host:port", nil, "host"},
		{"proxy percent-encoded", "CRAWL_PROXIES", "ftp://user:%73%65%63%72%65%74@host", []string{"%73%65%63%72%65%74"}, "host"},
		{"proxy encoded colon", "CRAWL_PROXIES", "ftp://user%3Asecret@host", nil, "host"},
		{"proxy encoded at sign", "CRAWL_PROXIES", "user%40secret", nil, "CRAWL_PROXIES"},
		{"proxy at sign in password", "CRAWL_PROXIES", "ftp://user:p@secret@host", nil, "host"},
		{"proxy comma in password", "CRAWL_PROXIES", "http://user:se,cret@host:3128", []string{"cret", "se,"}, "host:3128"},
		{"proxy space in password", "CRAWL_PROXIES", "http://user:sec ret secret@host", []string{"sec ret"}, "host"},
		{"proxy several entries", "CRAWL_PROXIES", "http://ok:3128, user:secret@a:1 ,ftp://u:secret@b:2", nil, "b:2"},
		{"proxy query", "CRAWL_PROXIES", "ftp://host/?password=secret", nil, "ftp://host"},
		{"proxy fragment", "CRAWL_PROXIES", "socks4://host#secret", nil, "socks4://host"},
		{"proxy ipv6", "CRAWL_PROXIES", "ftp://user:secret@[::1]:3128", nil, "[::1]:3128"},
		{"proxy path", "CRAWL_PROXIES", "ftp://host/user:secret", nil, "ftp://host"},
		{"proxy control character", "CRAWL_PROXIES", "http://user:secret\n@host", nil, "host"},
		{"redis wrong scheme", "REDIS_URL", "http://user:secret@h:6379", nil, "h:6379"},
		{"redis without scheme", "REDIS_URL", "user:secret@h:6379", nil, "h:6379"},
		{"redis opaque", "REDIS_URL", "redis:secret@h:6379", nil, "h:6379"},
		{"redis password only", "REDIS_URL", "redis://:secret@h:port/0", nil, "h"},
		{"redis query", "REDIS_URL", "redis:///0?password=secret", nil, "REDIS_URL"},
		{"url in an address", "API_ADDR", "http://user:secret@h:80", nil, "API_ADDR"},
		{"url in a number", "WORKER_CONCURRENCY", "user:secret@4", nil, "WORKER_CONCURRENCY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(ProcessAll, env(map[string]string{tt.variable: tt.value}))
			if err == nil {
				t.Fatalf("%s=%q accepted", tt.variable, tt.value)
			}
			msg := err.Error()
			for _, s := range append([]string{"secret"}, tt.hide...) {
				if strings.Contains(msg, s) {
					t.Errorf("%s=%q: error shows %q: %s", tt.variable, tt.value, s, msg)
				}
			}
			if !strings.Contains(msg, tt.variable) || !strings.Contains(msg, tt.show) {
				t.Errorf("%s=%q: error %q does not name %s and %q", tt.variable, tt.value, msg, tt.variable, tt.show)
			}
		})
	}
}

// TestRedactShows: what redact keeps is enough to find the mistake.
func TestRedactShows(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"user:secret@host:3128":          "xxxxx@host:3128",
		"http://proxy:3128":              "http://proxy:3128",
		"redis://:pw@10.0.0.1:6379/2":    "redis://xxxxx@10.0.0.1:6379/2",
		"rediss://[::1]:6380/0?tls=x#f":  "rediss://[::1]:6380/0?xxxxx",
		"socks5://u:p@h:port/":           "socks5://xxxxx@h:xxxxx/",
		"user:secret":                    "user:xxxxx",
		"http://user:secret\n@host":      "http://xxxxx@host",
		"unix:///run/redis.sock?db=1":    "unix:///xxxxx?xxxxx",
		"http://host/path/with/segments": "http://host/xxxxx",
		"not a url":                      "xxxxx",
		"":                               "",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
