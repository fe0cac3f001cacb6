package browser

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
)

// TestSessionBudget: the proxy passes bodies on decoded and counted, and
// ends the job the moment a document passes maxDoc or the page maxPage,
// however small the body was on the wire.
func TestSessionBudget(t *testing.T) {
	t.Parallel()
	const maxDoc, maxPage = 1 << 20, 3 << 20
	chunk := bytes.Repeat([]byte("a"), 32<<10)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.ParseInt(r.URL.Query().Get("size"), 10, 64)
		var out io.Writer = w
		switch enc := r.URL.Query().Get("enc"); enc {
		case "gzip":
			w.Header().Set("Content-Encoding", enc)
			zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			defer zw.Close()
			out = zw
		case "zlib", "raw":
			w.Header().Set("Content-Encoding", "deflate")
			var zw io.WriteCloser
			if enc == "zlib" {
				zw = zlib.NewWriter(w)
			} else {
				zw, _ = flate.NewWriter(w, flate.BestSpeed)
			}
			defer zw.Close()
			out = zw
		case "br":
			w.Header().Set("Content-Encoding", enc)
		case "empty":
			w.Header().Set("Content-Encoding", "gzip")
		case "":
		}
		if r.URL.Query().Get("declare") != "" {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.Header().Set("X-Accept-Encoding", r.Header.Get("Accept-Encoding"))
		for sent := int64(0); sent < size; sent += int64(len(chunk)) {
			if _, err := out.Write(chunk[:min(int64(len(chunk)), size-sent)]); err != nil {
				return
			}
		}
	}))
	t.Cleanup(site.Close)
	tests := []struct {
		name     string
		paths    []string // fetched in turn; the last is the one checked
		doc      bool
		wantType crawler.ErrorType // "": the whole body arrives
		wantOver bool              // the job ends over budget
	}{
		{name: "small document, gzip", paths: []string{"/?size=100000&enc=gzip"}, doc: true},
		{name: "small document, zlib deflate", paths: []string{"/?size=100000&enc=zlib"}, doc: true},
		{name: "small document, raw deflate", paths: []string{"/?size=100000&enc=raw"}, doc: true},
		{name: "empty body labelled gzip", paths: []string{"/?size=0&enc=empty"}, doc: true},
		{name: "gzip bomb document", paths: []string{"/?size=1073741824&enc=gzip"}, doc: true, wantOver: true},
		{name: "long document", paths: []string{"/?size=104857600"}, doc: true, wantOver: true},
		{name: "document declared too long", paths: []string{"/?size=2097152&declare=1"}, doc: true, wantType: crawler.ErrTooLarge, wantOver: true},
		{name: "a script may be longer than a document", paths: []string{"/?size=2097152&enc=gzip"}},
		{name: "page past its budget", paths: []string{"/?size=2097152", "/?size=2097152&enc=gzip"}, wantOver: true},
		{name: "an encoding not asked for", paths: []string{"/?size=1000&enc=br"}, doc: true, wantType: crawler.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var overs []error
			s, _ := startTestSession(t, proxyConfig{maxDoc: maxDoc, maxPage: maxPage}, nil, func(err error) {
				mu.Lock()
				overs = append(overs, err)
				mu.Unlock()
			})
			client := proxyClient(t, s)
			var resp *http.Response
			var body []byte
			var readErr error
			for _, path := range tt.paths {
				req, _ := http.NewRequest(http.MethodGet, site.URL+path, nil)
				req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
				if tt.doc {
					req.Header.Set("Upgrade-Insecure-Requests", "1")
				}
				var err error
				if resp, err = client.Transport.RoundTrip(req); err != nil {
					t.Fatal(err)
				}
				body, readErr = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			size, _ := strconv.Atoi(strings.Split(strings.Split(tt.paths[len(tt.paths)-1], "size=")[1], "&")[0])
			switch {
			case tt.wantType != "":
				if got := resp.Header.Get(proxyErrorHeader); got != string(tt.wantType) {
					t.Errorf("status %d, %s %q; want a refusal of type %s", resp.StatusCode, proxyErrorHeader, got, tt.wantType)
				}
			case tt.wantOver:
				if readErr == nil || len(body) > maxPage {
					t.Errorf("read %d bytes, %v; want the body cut within the budget", len(body), readErr)
				}
			default:
				if readErr != nil || len(body) != size || resp.Header.Get("Content-Encoding") != "" {
					t.Errorf("read %d bytes (Content-Encoding %q), %v; want all %d, decoded", len(body),
						resp.Header.Get("Content-Encoding"), readErr, size)
				}
				if got := resp.Header.Get("X-Accept-Encoding"); got != fetch.AcceptEncoding {
					t.Errorf("the target was offered %q, want %q", got, fetch.AcceptEncoding)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.wantOver != (len(overs) == 1) || len(overs) > 1 {
				t.Fatalf("the job was ended %d times (%v), want over budget %v", len(overs), overs, tt.wantOver)
			}
			if tt.wantOver && (crawler.TypeOf(overs[0]) != crawler.ErrTooLarge || !errors.Is(overs[0], ErrOverBudget)) {
				t.Errorf("ended with %v, want too_large wrapping ErrOverBudget", overs[0])
			}
		})
	}
}

// TestTunnelBudget: a tunnel's bytes count against the page budget, and
// going over cuts it.
func TestTunnelBudget(t *testing.T) {
	t.Parallel()
	const maxPage = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		chunk := make([]byte, 32<<10)
		for range 1024 { // 32 MiB, if nothing stops it
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	over := make(chan error, 2)
	s, _ := startTestSession(t, proxyConfig{maxDoc: maxPage, maxPage: maxPage}, nil, func(err error) { over <- err })
	conn, err := net.Dial("tcp", s.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n%s\r\n", ln.Addr(), authHeader(s))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: %v, %v", resp, err)
	}
	n, _ := io.Copy(io.Discard, br)
	if n > maxPage {
		t.Errorf("the tunnel passed %d bytes, want at most %d", n, maxPage)
	}
	if err := <-over; crawler.TypeOf(err) != crawler.ErrTooLarge || !errors.Is(err, ErrOverBudget) {
		t.Errorf("ended with %v, want too_large wrapping ErrOverBudget", err)
	}
}

// TestWebSocketExtensionsRefused: a WebSocket's messages are counted as
// they arrive, so none may arrive compressed: the proxy offers no
// extension, and refuses an upgrade that takes one anyway (an outside
// review's permessage-deflate bomb sent 1.6 MB that Chromium inflated to
// 688 MB within a 25 MB budget).
func TestWebSocketExtensionsRefused(t *testing.T) {
	t.Parallel()
	var offered atomic.Value
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offered.Store(r.Header.Get("Sec-WebSocket-Extensions"))
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprint(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: x\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
		buf.Flush()
		// Until the proxy, refusing, hangs up.
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.Copy(io.Discard, buf)
	}))
	t.Cleanup(target.Close)
	s, _ := startTestSession(t, proxyConfig{}, nil, nil)
	conn, err := net.Dial("tcp", s.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s/ws HTTP/1.1\r\nHost: %s\r\n%sConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"+
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
		target.URL, strings.TrimPrefix(target.URL, "http://"), authHeader(s))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, _ := offered.Load().(string); got != "" {
		t.Errorf("the target was offered extensions %q, want none", got)
	}
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502 for an upgrade that took an extension", resp.StatusCode)
	}
}

// TestInformationalResponsesBounded: a target that answers with endless
// 1xx responses, each with a large header, is cut after a few, as
// too_large; their headers count against the page budget.
func TestInformationalResponsesBounded(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 1000 {
			w.Header().Set("Link", strings.Repeat("x", 100<<10))
			w.WriteHeader(http.StatusEarlyHints)
		}
		fmt.Fprint(w, "late")
	}))
	t.Cleanup(target.Close)
	s, _ := startTestSession(t, proxyConfig{}, nil, nil)
	resp, err := proxyClient(t, s).Get(target.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get(proxyErrorHeader) != string(crawler.ErrTooLarge) {
		t.Errorf("status %d, %s %q; want 502, %q", resp.StatusCode, proxyErrorHeader, resp.Header.Get(proxyErrorHeader), crawler.ErrTooLarge)
	}
	if used := s.used.Load(); used < 500<<10 {
		t.Errorf("the session counted %d bytes for the 1xx headers it passed on, want at least 500 KB", used)
	}
}
