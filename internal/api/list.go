package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

// Bounds of GET /v1/jobs?limit=N and of its cursor.
const (
	defaultListLimit = 100
	maxCursorLength  = 200
)

// listQuery is GET /v1/jobs's query, checked.
type listQuery struct {
	state  crawler.State
	cursor string
	limit  int
}

func parseListQuery(r *http.Request) (listQuery, error) {
	v := r.URL.Query()
	q := listQuery{state: crawler.State(v.Get("state")), cursor: v.Get("cursor"), limit: defaultListLimit}
	fields := map[string]string{}
	if !slices.Contains(queue.ListableStates, q.state) {
		fields["state"] = "required: waiting, active, delayed or failed"
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > queue.MaxListLimit {
			fields["limit"] = "must be a whole number from 1 to " + strconv.Itoa(queue.MaxListLimit)
		}
		q.limit = n
	}
	if len(q.cursor) > maxCursorLength {
		fields["cursor"] = "not a cursor this API gave"
	}
	if len(fields) > 0 {
		return listQuery{}, &Error{Code: codeInvalid, Message: "bad query", Fields: fields}
	}
	return q, nil
}

func (s *server) handleListJobs() http.Handler {
	type response struct {
		Jobs []crawler.Status `json:"jobs"`
		// NextCursor fetches the following page; absent after the last.
		NextCursor string `json:"next_cursor,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := parseListQuery(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		page, err := s.deps.Jobs.List(r.Context(), q.state, q.cursor, q.limit)
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
