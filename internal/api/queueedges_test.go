package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/crawler"
)

// Cursors shaped like stream ids that Redis cannot use (overflowing, or
// the largest id as an exclusive start) are 422 on cursor, not 500.
func TestListMalformedStreamCursorIs422(t *testing.T) {
	t.Parallel()
	e := newEnv(t, api.Config{})
	failJobs(t, e, crawler.ErrDNS)
	for _, cursor := range []string{"99999999999999999999999-0", "18446744073709551615-18446744073709551615", "0-99999999999999999999999"} {
		for _, q := range []string{"state=waiting", "state=active", "state=waiting&order=newest"} {
			r := e.call(t, "GET", "/v1/jobs?"+q+"&cursor="+url.QueryEscape(cursor), nil, http.StatusUnprocessableEntity, nil)
			if r.err.Fields["cursor"] == "" {
				t.Errorf("%s after %s: fields %v, want cursor named", q, cursor, r.err.Fields)
			}
		}
	}
}

// A bulk retry answers the matching jobs it could not retry (parked by an
// older version, without their job) as skipped; they stay in remaining.
func TestFailedRetrySkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, api.Config{})
	ids := failJobs(t, e, crawler.ErrDNS, crawler.ErrDNS, crawler.ErrDNS)
	rdb := e.srv.Client()
	ks := e.q.Config().Keys
	for _, id := range ids[:2] { // as an older version parked them
		var rec map[string]any
		if err := json.Unmarshal([]byte(rdb.Get(ctx, ks.Job(id)).Val()), &rec); err != nil {
			t.Fatal(err)
		}
		delete(rec, "spec")
		raw, _ := json.Marshal(rec)
		if err := rdb.Set(ctx, ks.Job(id), raw, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var res struct {
		Moved, Remaining, Skipped int64
	}
	e.call(t, "POST", "/v1/queue/failed/retry", map[string]any{"error_type": "dns"}, http.StatusOK, &res)
	if res.Moved != 1 || res.Skipped != 2 || res.Remaining != 2 {
		t.Errorf("retry = %+v; want 1 moved, 2 skipped and still failed", res)
	}
}

// A Redis held by a script over its time answers BUSY: the API says 503.
func TestBusyRedisIs503(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, api.Config{})
	rdb := e.srv.Client()
	if err := rdb.ConfigSet(ctx, "busy-reply-threshold", "20").Err(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- rdb.Eval(ctx, `local s = tonumber(redis.call('TIME')[1]) + 1
			while tonumber(redis.call('TIME')[1]) <= s do end return 1`, nil).Err()
	}()
	status := 0
	for deadline := time.Now().Add(2 * time.Second); status != http.StatusServiceUnavailable && time.Now().Before(deadline); {
		status = e.do(t, "GET", "/v1/jobs?state=failed&error_type=dns&schedule=s", "Bearer "+token, nil).status
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Fatalf("list during a long script = %d; want 503", status)
		}
	}
	if status != http.StatusServiceUnavailable {
		t.Errorf("list during a long script = %d; want 503", status)
	}
	if err := <-done; err != nil {
		t.Fatalf("long script: %v", err)
	}
}
