package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/queue"
)

// fakeJobs is an in-memory Jobs, so fuzzing needs no Redis.
type fakeJobs struct {
	api.Jobs // unused methods panic, which the fuzz target would report
}

func (fakeJobs) Enqueue(_ context.Context, reqs []queue.EnqueueRequest) ([]string, error) {
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		if r.Job.URL == "" || !r.Job.Method.Valid() {
			panic("api enqueued an unvalidated job: " + strconv.Quote(r.Job.URL))
		}
		ids[i] = "id" + strconv.Itoa(i)
	}
	return ids, nil
}

// FuzzCreateJobs: whatever the body, POST /v1/jobs answers 202, 400, 413
// or 422 with a JSON body, and only validated jobs reach the queue.
func FuzzCreateJobs(f *testing.F) {
	seeds := []string{
		`{"url":"https://example.com"}`,
		`{"url":"https://example.com","method":"browser","rank":{"selector":"li.item","match":"x"},"idempotency_key":"k"}`,
		`{"jobs":[{"url":"https://a.example"},{"url":"ftp://b.example"}]}`,
		`{"jobs":[]}`, `{"url":5}`, `{"url":"http://[::1]/"}`, `[]`, `null`, `{"jobs":null}`, `{"rank":{}}`,
		`{"url":"https://example.com"} x`, `{"url":"https://exa\u0000mple.com"}`, `{"url":"http://169.254.169.254/"}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	h := api.New(api.Config{Token: "t", MaxBodyBytes: 4096}, api.Deps{Jobs: fakeJobs{}, Logger: slog.New(slog.DiscardHandler)})
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/v1/jobs", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusAccepted, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
		var v map[string]any
		if err := json.NewDecoder(io.LimitReader(rec.Body, 1<<20)).Decode(&v); err != nil {
			t.Fatalf("body %q: answer is not JSON: %v", body, err)
		}
		if rec.Code == http.StatusAccepted && v["id"] == nil && v["ids"] == nil {
			t.Fatalf("body %q: 202 without id(s): %v", body, v)
		}
	})
}
