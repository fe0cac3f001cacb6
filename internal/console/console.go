package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

// Mount is where the API serves the console; the page's links are
// relative, so only the redirect below needs to know it.
const Mount = "/ui/"

// CSP is the Content-Security-Policy of every console answer: everything
// from this origin only, no inline script or style, no framing, no form
// posts, and images from data: URLs for the favicon.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed assets
var files embed.FS

// contentTypes are fixed here rather than taken from package mime, which
// reads the host's mime.types and could answer differently per machine.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// asset is one embedded file, ready to serve as is or gzipped.
type asset struct {
	ctype       string
	body, gz    []byte
	etag, gzTag string
}

// assets maps a path below Mount ("" for the page) to its file. They are
// prepared on the first request, once: the files only change with the
// binary, and a process that never serves the console (a worker) never
// compresses them.
var assets = sync.OnceValue(func() map[string]*asset {
	m, err := load(files)
	if err != nil {
		// The files are embedded at build time; a fault here is a fault
		// of the build, which the package's tests catch.
		panic(err)
	}
	return m
})

func load(fsys fs.FS) (map[string]*asset, error) {
	m := map[string]*asset{}
	err := fs.WalkDir(fsys, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		if _, err := zw.Write(body); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		tag := hex.EncodeToString(sum[:8])
		a := &asset{ctype: contentTypes[path.Ext(p)], body: body, gz: gz.Bytes(),
			etag: `"` + tag + `"`, gzTag: `"` + tag + `-gz"`}
		if a.ctype == "" {
			return fmt.Errorf("console: %s: no content type for its extension", p)
		}
		name := strings.TrimPrefix(p, "assets/")
		if name == "index.html" {
			name = ""
		}
		m[name] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: load assets: %w", err)
	}
	return m, nil
}

// Handler serves the console: GET Mount is the page, Mount+"app.js" and
// Mount+"app.css" its script and style, and the mount without its slash
// redirects to it. Mount it at both "GET /ui/" and "GET /ui".
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY") // for browsers that predate frame-ancestors
	if r.URL.Path+"/" == Mount {
		http.Redirect(w, r, Mount, http.StatusMovedPermanently)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Mount)
	a := assets()[name]
	if !ok || a == nil {
		h.Set("Cache-Control", "no-store")
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	body, tag := a.body, a.etag
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		body, tag = a.gz, a.gzTag
		h.Set("Content-Encoding", "gzip")
	}
	// The files change only with the binary: a browser keeps them but
	// asks again each load, and an unchanged file costs a 304.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", tag)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a failed write means the client went away
	}
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (not refused with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// etagMatches reports whether an If-None-Match list names tag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatches(list, tag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}
