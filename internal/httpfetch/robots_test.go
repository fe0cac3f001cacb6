package httpfetch_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

func robotsSite(t *testing.T, status int, robots string) (url string, robotsHits, pageHits *atomic.Int64) {
	t.Helper()
	robotsHits, pageHits = new(atomic.Int64), new(atomic.Int64)
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		robotsHits.Add(1)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(robots))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		pageHits.Add(1)
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		htmlHandler(pageHTML("page"))(w, r)
	})
	return serve(t, mux).URL, robotsHits, pageHits
}

func TestRobots(t *testing.T) {
	t.Parallel()
	const rules = "User-agent: *\nDisallow: /private\n\nUser-agent: crawler-service\nDisallow: /no-crawler\nAllow: /private/open\n"
	tests := []struct {
		name      string
		status    int
		robots    string
		path      string
		want      crawler.ErrorType // "" for success
		pageReach bool
	}{
		{"allowed path", 200, rules, "/public", "", true},
		{"our group disallows", 200, rules, "/no-crawler/x", crawler.ErrBlocked, false},
		{"our group is used, not *", 200, rules, "/private/open", "", true},
		{"redirect into a disallowed path", 200, rules, "/public?to=/no-crawler/x", crawler.ErrBlocked, true},
		{"404 robots allows all", 404, "", "/no-crawler", "", true},
		{"5xx robots disallows all", 503, "", "/public", crawler.ErrBlocked, false},
		{"unparsable robots allows all", 200, "\x00\x01garbage: :\n", "/x", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site, robotsHits, pageHits := robotsSite(t, tt.status, tt.robots)
			f := newFetcher(t, httpfetch.Config{Policy: allowPrivate, Robots: true})
			_, err := get(t, f, site+tt.path, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
			} else {
				wantType(t, err, tt.want, httpfetch.ErrRobotsDisallowed)
			}
			if got := pageHits.Load() > 0; got != tt.pageReach {
				t.Fatalf("page reached = %v, want %v", got, tt.pageReach)
			}
			if robotsHits.Load() != 1 {
				t.Fatalf("robots.txt fetched %d times, want 1", robotsHits.Load())
			}
		})
	}
}

func TestRobotsCached(t *testing.T) {
	t.Parallel()
	site, robotsHits, _ := robotsSite(t, 200, "User-agent: *\nDisallow: /private\n")
	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate, Robots: true})
	for range 5 {
		if _, err := get(t, f, site+"/a", nil); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
	}
	if n := robotsHits.Load(); n != 1 {
		t.Fatalf("robots.txt fetched %d times for 5 jobs, want 1", n)
	}
	off := newFetcher(t, httpfetch.Config{Policy: allowPrivate})
	if _, err := get(t, off, site+"/private", nil); err != nil {
		t.Fatalf("with Robots off a disallowed path is fetched: %v", err)
	}
}
