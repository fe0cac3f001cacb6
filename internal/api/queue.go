package api

import (
	"context"
	"net/http"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/metrics"
)

// queueState is the answer of pause and resume.
type queueState struct {
	Paused bool `json:"paused"`
	// Changed is false when the queue was already in that state.
	Changed bool `json:"changed"`
}

func (s *server) handleQueue() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.deps.Jobs.Counts(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
}

// handleSetPaused answers POST /v1/queue/pause and /v1/queue/resume. Both
// are idempotent: repeating one answers 200 with changed false.
func (s *server) handleSetPaused(paused bool) http.Handler {
	action := metrics.ActionResume
	if paused {
		action = metrics.ActionPause
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		operator, err := s.actionOperator(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		set := s.deps.Jobs.Resume
		if paused {
			set = s.deps.Jobs.Pause
		}
		changed, err := set(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.operatorAction(r.Context(), action, operator, "queue", changes(changed))
		writeJSON(w, http.StatusOK, queueState{Paused: paused, Changed: changed})
	})
}

// operatorAction logs and counts an action an operator took: what, who
// (the declared name), on what, and how many things it changed; attrs add
// to the log line.
func (s *server) operatorAction(ctx context.Context, action, operator, target string, n int, attrs ...any) {
	s.log.InfoContext(ctx, "operator action", append([]any{"action", action, "target", target, "count", n, "operator", operator}, attrs...)...)
	s.ops.Action(context.WithoutCancel(ctx), action, n)
}

// changes is how many things a pause or resume changed: one or none.
func changes(changed bool) int {
	if changed {
		return 1
	}
	return 0
}

func (s *server) handleWorkers() http.Handler {
	return handleWholeList(s, "workers", func(ctx context.Context) ([]crawler.WorkerInfo, error) { return s.deps.Jobs.Workers(ctx) })
}

// handleWholeList answers a GET of a whole list as {key: [...]}, an empty
// list as [] (never null).
func handleWholeList[T any](s *server, key string, list func(context.Context) ([]T, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items, err := list(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if items == nil {
			items = []T{}
		}
		writeJSON(w, http.StatusOK, map[string][]T{key: items})
	})
}
