package api

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// ServerConfig bounds what clients may hold of a server. Every zero field
// means the default named on it.
type ServerConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers. Zero means 10s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included. Zero
	// means 30s.
	ReadTimeout time.Duration
	// WriteTimeout runs from the end of a request's headers to the end of
	// its answer; the request's context ends then too. Zero means 60s.
	WriteTimeout time.Duration
	// IdleTimeout bounds a kept-alive connection's wait for its next
	// request. Zero means 75s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers; beyond it the answer is
	// 431. Zero means 16 KiB.
	MaxHeaderBytes int
	// MaxConnections bounds the connections open at once. Zero means 1024.
	MaxConnections int
}

func (c ServerConfig) withDefaults() ServerConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ReadHeaderTimeout, 10*time.Second)
	def(&c.ReadTimeout, 30*time.Second)
	def(&c.WriteTimeout, 60*time.Second)
	def(&c.IdleTimeout, 75*time.Second)
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = 16 << 10
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = 1024
	}
	return c
}

// unreadBodyGrace is how long a connection answered before its body was
// read may still deliver that body. Reading a body already sent lets the
// connection close cleanly, where closing on unread data sends a reset
// that can destroy the answer on its way; a client that never sends it
// loses the connection soon after its answer.
const unreadBodyGrace = time.Second

// Server serves one handler within the limits of a ServerConfig: deadlines
// for headers, bodies, answers and idle connections, a cap on headers, a
// bound on open connections, and answers that never wait for a body the
// handler did not read (a 401, say).
type Server struct {
	cfg   ServerConfig
	http  *http.Server
	conns *conns
}

// NewServer returns a Server for h. A nil log means slog.Default().
func NewServer(h http.Handler, cfg ServerConfig, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, conns: newConns(cfg.MaxConnections, log)}
	s.http = &http.Server{
		Handler:           s.answerEarly(s.withDeadline(h)),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ConnState:         s.conns.track,
		ConnContext:       withConn,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// Serve accepts connections on ln until Shutdown, when it returns
// http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	return s.http.Serve(&limitListener{Listener: ln, conns: s.conns})
}

// Shutdown stops accepting and lets requests in flight finish until ctx
// ends; then it closes every connection left and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
	}
	return err
}

// withDeadline ends a request's context at its write deadline: work past
// it could never be answered, and handlers that check their context (the
// jobs of a batch, Redis calls) stop it. It runs inside answerEarly, which
// must see the request net/http holds, not a copy.
func (s *Server) withDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WriteTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// answerEarly makes an answer given before the request's body was read
// close the connection after at most unreadBodyGrace, instead of net/http
// reading the rest of the body first, up to 256 KiB, for as long as the
// client takes to send it.
func (s *Server) answerEarly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		body := &trackedBody{ReadCloser: r.Body}
		r.Body = body
		ew := &earlyWriter{ResponseWriter: w, body: body, r: r, bodyDeadline: time.Now().Add(s.cfg.ReadTimeout)}
		next.ServeHTTP(ew, r)
		ew.answer() // net/http answers 200 itself when the handler wrote nothing
	})
}

// trackedBody knows whether a request body was read to its end, or failed.
type trackedBody struct {
	io.ReadCloser
	eof, failed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.eof.Store(true)
	case err != nil:
		b.failed.Store(true)
	}
	return n, err
}

// earlyWriter sees the answer start, and then, when the body is unread,
// asks for the connection to be closed and shortens its read deadline.
type earlyWriter struct {
	http.ResponseWriter
	body         *trackedBody
	r            *http.Request
	bodyDeadline time.Time // the latest ReadTimeout allows
	answered     bool
}

func (w *earlyWriter) answer() {
	if w.answered {
		return
	}
	w.answered = true
	if w.body.eof.Load() {
		return
	}
	// Connection: close also stops net/http from reading the body before
	// it sends the answer.
	w.Header().Set("Connection", "close")
	deadline := time.Now().Add(unreadBodyGrace)
	if w.body.failed.Load() {
		deadline = time.Now() // a read already failed: nothing worth waiting for will come
	}
	if w.bodyDeadline.Before(deadline) {
		deadline = w.bodyDeadline
	}
	_ = http.NewResponseController(w.ResponseWriter).SetReadDeadline(deadline)
	if c, ok := w.r.Context().Value(connKey{}).(*conn); ok {
		c.conns.answered(c)
	}
}

func (w *earlyWriter) WriteHeader(code int) {
	if code >= 200 { // not an informational 1xx
		w.answer()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *earlyWriter) Write(b []byte) (int, error) {
	w.answer()
	return w.ResponseWriter.Write(b)
}

func (w *earlyWriter) Flush() {
	w.answer()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *earlyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
