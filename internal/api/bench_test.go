package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/queue"
)

// BenchmarkCreateFullBatch measures the API's own share of a 10,000-job
// POST (decode and validate), with an in-memory queue.
func BenchmarkCreateFullBatch(b *testing.B) {
	body := batch(queue.MaxBatch, -1)
	h := api.New(api.Config{Token: "t"}, api.Deps{Jobs: fakeJobs{}, Logger: slog.New(slog.DiscardHandler)})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/jobs", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
