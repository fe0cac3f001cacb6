package api

import (
	"context"
	"net/http"
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

func (s *server) handleNoRoute() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(codeNotFound, "no such route: %s %s", r.Method, r.URL.Path))
	})
}
