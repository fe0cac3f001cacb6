package console

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// firstLoadBudget bounds what a browser transfers on the console's first
// load (page, script and style, gzipped as served); rawBudget bounds the
// same files uncompressed, for a client that does not take gzip.
const (
	firstLoadBudget = 20 << 10
	rawBudget       = 60 << 10
)

func get(t *testing.T, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	mux := http.NewServeMux()
	mux.Handle("GET /ui/", Handler())
	mux.Handle("GET /ui", Handler())
	mux.ServeHTTP(rec, req)
	return rec.Result()
}

func checkSecurityHeaders(t *testing.T, path string, res *http.Response) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Security-Policy": CSP,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
		}
	}
	if strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe") {
		t.Errorf("GET %s: the CSP allows something unsafe", path)
	}
}

// TestServesAssets: the page, script and style, each with its type, the
// security headers and a content-hash ETag, plain or gzipped on request,
// and a 304 for a browser that has the file already.
func TestServesAssets(t *testing.T) {
	t.Parallel()
	for path, ctype := range map[string]string{
		"/ui/":        "text/html; charset=utf-8",
		"/ui/app.js":  "text/javascript; charset=utf-8",
		"/ui/app.css": "text/css; charset=utf-8",
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			res := get(t, path, nil)
			plain, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != ctype || len(plain) == 0 {
				t.Fatalf("GET %s = %d %q (%d bytes), want 200 %q", path, res.StatusCode, res.Header.Get("Content-Type"), len(plain), ctype)
			}
			checkSecurityHeaders(t, path, res)
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", cc)
			}
			if res.Header.Get("Content-Encoding") != "" {
				t.Errorf("plain request answered with Content-Encoding %q", res.Header.Get("Content-Encoding"))
			}

			zres := get(t, path, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
			if zres.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Accept-Encoding gzip: Content-Encoding = %q", zres.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(zres.Body)
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, plain) {
				t.Errorf("gzipped answer does not unzip to the file (err %v)", err)
			}
			if zres.Header.Get("ETag") == res.Header.Get("ETag") {
				t.Errorf("gzip and plain answers share ETag %s", res.Header.Get("ETag"))
			}
			if no := get(t, path, map[string]string{"Accept-Encoding": "gzip;q=0"}); no.Header.Get("Content-Encoding") != "" {
				t.Errorf("gzip;q=0 still answered gzipped")
			}

			again := get(t, path, map[string]string{"If-None-Match": res.Header.Get("ETag")})
			if b, _ := io.ReadAll(again.Body); again.StatusCode != http.StatusNotModified || len(b) != 0 {
				t.Errorf("If-None-Match %s = %d with %d bytes, want 304 and none", res.Header.Get("ETag"), again.StatusCode, len(b))
			}
			checkSecurityHeaders(t, path, again)
		})
	}
}

// TestRedirectAndNotFound: /ui leads to /ui/; an unknown file is a 404
// that carries the same headers.
func TestRedirectAndNotFound(t *testing.T) {
	t.Parallel()
	res := get(t, "/ui", nil)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/ui/" {
		t.Errorf("GET /ui = %d Location %q, want 301 /ui/", res.StatusCode, res.Header.Get("Location"))
	}
	checkSecurityHeaders(t, "/ui", res)
	for _, path := range []string{"/ui/index.html", "/ui/nope.js", "/ui/assets/app.js", "/ui/../ui/app.js"} {
		res := get(t, path, nil)
		if path == "/ui/../ui/app.js" {
			// The mux cleans the path and redirects; it never serves
			// outside the assets.
			if res.StatusCode/100 != 3 {
				t.Errorf("GET %s = %d, want the mux's redirect", path, res.StatusCode)
			}
			continue
		}
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
		checkSecurityHeaders(t, path, res)
	}
}

// TestPageHasNothingInline: the CSP refuses inline script and style, so
// the page must not need them; every reference stays on this origin, and
// every form control has its label.
func TestPageHasNothingInline(t *testing.T) {
	t.Parallel()
	doc, err := html.Parse(bytes.NewReader(assets()[""].body))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	var labels []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
					t.Errorf("<%s %s=…>: inline handlers and styles break under the CSP", n.Data, a.Key)
				}
				if (a.Key == "src" || a.Key == "href" || a.Key == "action") && strings.Contains(a.Val, ":") && a.Val != "data:," {
					t.Errorf("<%s %s=%q>: the console loads nothing from elsewhere", n.Data, a.Key, a.Val)
				}
			}
			if id := attrs["id"]; id != "" {
				if _, dup := ids[id]; dup {
					t.Errorf("id %q used twice", id)
				}
				ids[id] = n.Data
			}
			switch n.Data {
			case "script":
				if attrs["src"] == "" || n.FirstChild != nil {
					t.Error("an inline <script>")
				}
			case "style":
				t.Error("an inline <style>")
			case "label":
				labels = append(labels, attrs["for"])
			case "button":
				if attrs["type"] != "button" && attrs["type"] != "submit" {
					t.Errorf("<button id=%q> has type %q: say button or submit", attrs["id"], attrs["type"])
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	labelled := map[string]bool{}
	for _, f := range labels {
		if tag := ids[f]; tag != "input" && tag != "select" {
			t.Errorf("<label for=%q> names no input or select", f)
		}
		labelled[f] = true
	}
	for id, tag := range ids {
		if (tag == "input" || tag == "select") && !labelled[id] {
			t.Errorf("<%s id=%q> has no label", tag, id)
		}
	}
	for _, ref := range []string{"app.js", "app.css"} {
		if assets()[ref] == nil {
			t.Errorf("the page refers to %s, which is not embedded", ref)
		}
	}
}

// TestScriptBuildsNoMarkup: data from the API reaches the page as text
// only, so the script never parses markup or code from strings, and it
// sends the token only in the Authorization header.
func TestScriptBuildsNoMarkup(t *testing.T) {
	t.Parallel()
	js := string(assets()["app.js"].body)
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
		"new Function", "setAttribute(\"style\"", ".style.", "localStorage", "document.cookie", "?token=", "&token="} {
		if strings.Contains(js, bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
	// Strings passed to setTimeout are code: only functions may be.
	if m := regexp.MustCompile(`setTimeout\(\s*["'\x60]`).FindString(js); m != "" {
		t.Errorf("app.js passes a string to setTimeout: %s", m)
	}
	for _, u := range regexp.MustCompile(`https?://[^"'\s)]+`).FindAllString(js+string(assets()["app.css"].body), -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("the console names an outside URL: %s", u)
		}
	}
	if !strings.Contains(js, "sessionStorage") || !strings.Contains(js, `Authorization: "Bearer "`) {
		t.Error("app.js keeps no token in sessionStorage or sends no bearer token")
	}
}

// TestFirstLoadBudget: the first load stays small. It logs the numbers
// the closing note reports.
func TestFirstLoadBudget(t *testing.T) {
	t.Parallel()
	raw, gz := 0, 0
	for name, a := range assets() {
		t.Logf("%-10q %6d bytes, %6d gzipped", name, len(a.body), len(a.gz))
		raw += len(a.body)
		gz += len(a.gz)
	}
	t.Logf("first load: %d bytes, %d gzipped", raw, gz)
	if gz > firstLoadBudget {
		t.Errorf("first load is %d bytes gzipped, over the budget of %d", gz, firstLoadBudget)
	}
	if raw > rawBudget {
		t.Errorf("first load is %d bytes uncompressed, over the budget of %d", raw, rawBudget)
	}
}
