package fetch_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// TestRankingBoundedByTimeout: a page and selector whose ranking would run
// for minutes end the job as a timeout once the job's time is up, and auto
// does not hand the same page to the browser to rank again.
func TestRankingBoundedByTimeout(t *testing.T) {
	t.Parallel()
	var page strings.Builder
	page.WriteString("<!doctype html><title>many</title><ul>")
	for page.Len() < 4<<20 { // under CRAWL_MAX_BODY_BYTES
		page.WriteString("<li>item</li>")
	}
	page.WriteString("</ul>")
	body := page.String()
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	var browserCalls int
	browser := rendered(body)
	p := newTimedPipeline(t, time.Second, countCalls(browser, &browserCalls))
	start := time.Now()
	// Quadratic: inside :not() every item walks all its later siblings.
	_, _, err := p.Run(t.Context(), crawler.Job{URL: srv.URL, Method: crawler.MethodAuto,
		Rank: &crawler.RankSpec{Selector: "li:not(:nth-last-child(2n+1))", Match: "absent"}})
	took := time.Since(start)
	if crawler.TypeOf(err) != crawler.ErrTimeout {
		t.Fatalf("Run = %v (type %s), want timeout", err, crawler.TypeOf(err))
	}
	// The bound is loose for a shared machine; without the deadline the
	// ranking runs for minutes.
	if took > 10*time.Second {
		t.Errorf("the job took %s with a 1 s timeout", took)
	}
	if browserCalls != 0 {
		t.Errorf("auto sent a page whose ranking timed out to the browser %d times", browserCalls)
	}
}
