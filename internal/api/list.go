package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
)

// Bounds of GET /v1/jobs?limit=N and of its cursor.
const (
	defaultListLimit = 100
	maxCursorLength  = 200
)

// parseListQuery checks GET /v1/jobs's query.
func parseListQuery(r *http.Request) (queue.ListOptions, error) {
	v := r.URL.Query()
	o := queue.ListOptions{State: crawler.State(v.Get("state")), Cursor: v.Get("cursor"), Limit: defaultListLimit,
		ErrorType: crawler.ErrorType(v.Get("error_type")), Schedule: v.Get("schedule")}
	fields := map[string]string{}
	if !slices.Contains(queue.ListableStates, o.State) {
		fields["state"] = "required: waiting, active, delayed or failed"
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > queue.MaxListLimit {
			fields["limit"] = "must be a whole number from 1 to " + strconv.Itoa(queue.MaxListLimit)
		}
		o.Limit = n
	}
	if len(o.Cursor) > maxCursorLength {
		fields["cursor"] = "not a cursor this API gave"
	}
	switch v.Get("order") {
	case "", "oldest":
	case "newest":
		o.Newest = true
		if o.State == crawler.StateActive {
			fields["order"] = "active jobs list oldest first only"
		}
	default:
		fields["order"] = "must be oldest or newest"
	}
	if v.Has("error_type") {
		switch {
		case o.State != crawler.StateFailed:
			fields["error_type"] = "only with state=failed"
		case !slices.Contains(crawler.ErrorTypes, o.ErrorType):
			fields["error_type"] = "not an error type; see the API reference"
		}
	}
	if v.Has("schedule") {
		switch {
		case o.State != crawler.StateFailed:
			fields["schedule"] = "only with state=failed"
		case schedule.ValidateName(o.Schedule) != nil:
			fields["schedule"] = "not a schedule name"
		}
	}
	if len(fields) > 0 {
		return queue.ListOptions{}, &Error{Code: codeInvalid, Message: "bad query", Fields: fields}
	}
	return o, nil
}

func (s *server) handleListJobs() http.Handler {
	type response struct {
		Jobs []crawler.Status `json:"jobs"`
		// NextCursor fetches the following page; absent after the last.
		NextCursor string `json:"next_cursor,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := parseListQuery(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		page, err := s.deps.Jobs.ListJobs(r.Context(), o)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if page.Jobs == nil {
			page.Jobs = []crawler.Status{}
		}
		writeJSON(w, http.StatusOK, response{Jobs: page.Jobs, NextCursor: page.Next})
	})
}
