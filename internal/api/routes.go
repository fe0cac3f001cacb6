package api

import (
	"net/http"

	"github.com/crawler-service/crawler/internal/console"
	"github.com/crawler-service/crawler/internal/metrics"
)

// routes is the whole HTTP surface of the API.
func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	auth := s.authenticate

	// No token: load balancers, orchestrators and scrapers call these.
	mux.Handle("GET /healthz", s.handleHealthz())
	mux.Handle("GET /readyz", s.handleReadyz())
	mux.Handle("GET /metrics", s.handleMetrics())
	// The web console: static files that hold no data, so no token; its
	// script asks for the token and sends it with every /v1 call.
	mux.Handle("GET /ui/", console.Handler())
	mux.Handle("GET /ui", console.Handler())

	mux.Handle("POST /v1/jobs", auth(s.handleCreateJobs()))
	mux.Handle("GET /v1/jobs", auth(s.handleListJobs()))
	mux.Handle("GET /v1/jobs/{id}", auth(s.handleGetJob()))
	mux.Handle("DELETE /v1/jobs/{id}", auth(s.handleDeleteJob()))
	mux.Handle("POST /v1/jobs/{id}/retry", auth(s.handleJobAction(metrics.ActionRetry, s.retryJob)))
	mux.Handle("POST /v1/jobs/{id}/cancel", auth(s.handleJobAction(metrics.ActionCancel, s.cancelJob)))
	mux.Handle("GET /v1/queue", auth(s.handleQueue()))
	mux.Handle("POST /v1/queue/pause", auth(s.handleSetPaused(true)))
	mux.Handle("POST /v1/queue/resume", auth(s.handleSetPaused(false)))
	mux.Handle("GET /v1/queue/throughput", auth(s.handleThroughput()))
	mux.Handle("POST /v1/queue/failed/retry", auth(s.handleFailedAction(metrics.ActionRetryFailed, "moved", s.retryFailed)))
	mux.Handle("POST /v1/queue/failed/purge", auth(s.handleFailedAction(metrics.ActionPurgeFailed, "deleted", s.purgeFailed)))
	mux.Handle("GET /v1/workers", auth(s.handleWorkers()))

	mux.Handle("POST /v1/schedules", auth(s.handleCreateSchedule()))
	mux.Handle("GET /v1/schedules", auth(s.handleListSchedules()))
	mux.Handle("GET /v1/schedules/{name}", auth(s.handleGetSchedule()))
	mux.Handle("DELETE /v1/schedules/{name}", auth(s.handleDeleteSchedule()))
	mux.Handle("GET /v1/schedules/{name}/results", auth(s.handleScheduleResults()))
	mux.Handle("POST /v1/schedules/{name}/pause", auth(s.handleSetSchedulePaused(true)))
	mux.Handle("POST /v1/schedules/{name}/resume", auth(s.handleSetSchedulePaused(false)))
	mux.Handle("POST /v1/schedules/{name}/trigger", auth(s.handleTriggerSchedule()))

	// Behind the token like the rest of /v1: it is the API's whole shape.
	mux.Handle("GET /v1/openapi.json", auth(s.handleOpenAPI()))

	// Everything else, behind the token so the API's shape is not public:
	// 405 with Allow for a known path, 404 otherwise.
	mux.Handle("/", auth(s.handleNoRoute(mux)))
	return mux
}
