package api

import "net/http"

// routes is the whole HTTP surface of the API.
func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	auth := s.authenticate

	// No token: load balancers, orchestrators and scrapers call these.
	mux.Handle("GET /healthz", s.handleHealthz())
	mux.Handle("GET /readyz", s.handleReadyz())
	mux.Handle("GET /metrics", s.handleMetrics())

	mux.Handle("POST /v1/jobs", auth(s.handleCreateJobs()))
	mux.Handle("GET /v1/jobs", auth(s.handleListJobs()))
	mux.Handle("GET /v1/jobs/{id}", auth(s.handleGetJob()))
	mux.Handle("GET /v1/queue", auth(s.handleQueue()))
	mux.Handle("POST /v1/queue/pause", auth(s.handleSetPaused(true)))
	mux.Handle("POST /v1/queue/resume", auth(s.handleSetPaused(false)))
	mux.Handle("GET /v1/workers", auth(s.handleWorkers()))

	mux.Handle("POST /v1/schedules", auth(s.handleCreateSchedule()))
	mux.Handle("GET /v1/schedules", auth(s.handleListSchedules()))
	mux.Handle("GET /v1/schedules/{name}", auth(s.handleGetSchedule()))
	mux.Handle("DELETE /v1/schedules/{name}", auth(s.handleDeleteSchedule()))
	mux.Handle("GET /v1/schedules/{name}/results", auth(s.handleScheduleResults()))

	// Behind the token like the rest of /v1: it is the API's whole shape.
	mux.Handle("GET /v1/openapi.json", auth(s.handleOpenAPI()))

	// Everything else, behind the token so the API's shape is not public:
	// 405 with Allow for a known path, 404 otherwise.
	mux.Handle("/", auth(s.handleNoRoute(mux)))
	return mux
}
