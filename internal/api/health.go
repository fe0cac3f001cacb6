package api

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// readyTimeout bounds the readiness check, below typical probe timeouts.
const readyTimeout = 2 * time.Second

type statusBody struct {
	Status string `json:"status"`
}

// handleHealthz says the process is alive; it checks nothing else, so a
// Redis outage never gets healthy API tasks killed.
func (s *server) handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, statusBody{"ok"})
	})
}

// handleReadyz says whether Redis answers, so a load balancer stops
// sending traffic the API cannot serve.
func (s *server) handleReadyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.deps.Jobs.Ping(ctx); err != nil {
			s.log.Warn("api: not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, struct {
				Error *Error `json:"error"`
			}{errorf(codeUnavailable, "redis is unreachable")})
			return
		}
		writeJSON(w, http.StatusOK, statusBody{"ok"})
	})
}

func (s *server) handleMetrics() http.Handler {
	if s.deps.Metrics != nil {
		return s.deps.Metrics
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(codeNotFound, "metrics are not served here (is the prometheus exporter on?)"))
	})
}

func (s *server) handleNoRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, errorf(codeMethodNotAllowed, "%s is not allowed on %s; use %s",
				r.Method, r.URL.Path, strings.Join(allow, " or ")))
			return
		}
		s.writeError(w, r, errorf(codeNotFound, "no such route: %s %s", r.Method, r.URL.Path))
	})
}

// allowedMethods are the methods mux routes somewhere other than the
// catch-all for r's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}
