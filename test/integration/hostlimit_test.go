package integration

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// With CRAWL_PER_HOST_SHARED, the per-host limit holds across worker
// processes; without it, each process has its own.
func TestPerHostLimitSharedAcrossWorkers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		shared   string
		wantPeak int
	}{
		{shared: "true", wantPeak: 2},
		{shared: "false", wantPeak: 4}, // two workers, two each
	} {
		t.Run("shared="+tt.shared, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, 100*time.Millisecond, 100*time.Millisecond)
			c := newCluster(t, s)
			c.startAPI(nil)
			for i := range 2 {
				c.start(fmt.Sprintf("worker-%d", i), "worker", map[string]string{
					"WORKER_CONCURRENCY": "8", "CRAWL_PER_HOST_CONCURRENCY": "2", "CRAWL_PER_HOST_SHARED": tt.shared,
				})
			}
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			paths := make([]string, 40)
			for i := range paths {
				paths[i] = fmt.Sprintf("/p/host-%d", i)
			}
			ids, err := c.api.postJobs(ctx, pageJobs(s, paths))
			if err != nil {
				t.Fatal(err)
			}
			c.waitCompleted(ctx, ids)
			if got := s.peakInFlight(); got != tt.wantPeak {
				t.Errorf("peak requests in flight to the one host = %d, want %d", got, tt.wantPeak)
			}
		})
	}
}
