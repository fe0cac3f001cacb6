package queue_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

func TestEnqueueKeepsOrderAndIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	reqs := jobs(1200, "") // more than one script chunk
	ids := enqueue(t, e.q, reqs)

	if !slices.IsSorted(ids) {
		t.Errorf("ids of one batch are not increasing")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if len(id) != 26 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
	if st := status(t, e.q, ids[0]); st.State != crawler.StateWaiting || st.Attempts != 0 {
		t.Errorf("fresh job status = %+v, want waiting with 0 attempts", st)
	}
	ds := readN(t, e.q, "c1", len(reqs), 5*time.Second)
	for i, d := range ds {
		if d.Job.ID != ids[i] || d.Job.URL != reqs[i].Job.URL || d.Attempt != 1 || d.Job.Created.IsZero() {
			t.Fatalf("delivery %d = %+v, want id %s url %s attempt 1", i, d, ids[i], reqs[i].Job.URL)
		}
	}
}

func TestEnqueueLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	tests := []struct {
		name    string
		n       int
		wantErr error
	}{
		{name: "empty", n: 0},
		{name: "max", n: queue.MaxBatch},
		{name: "over max", n: queue.MaxBatch + 1, wantErr: queue.ErrBatchTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := e.q.Enqueue(context.Background(), jobs(tt.n, ""))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && len(ids) != tt.n {
				t.Fatalf("%d ids, want %d", len(ids), tt.n)
			}
		})
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{IdempotencyWindow: 300 * time.Millisecond})
	req := func(key string) queue.EnqueueRequest {
		return queue.EnqueueRequest{Job: crawler.Job{URL: "https://example.com/" + key}, IdempotencyKey: key}
	}
	first := enqueue(t, e.q, []queue.EnqueueRequest{req("a"), req("a"), req("b"), req("")})
	if first[0] != first[1] {
		t.Errorf("same key in one batch: ids %s and %s differ", first[0], first[1])
	}
	if first[0] == first[2] || first[2] == first[3] {
		t.Errorf("different keys share an id: %v", first)
	}
	again := enqueue(t, e.q, []queue.EnqueueRequest{req("b"), req("a"), req("")})
	if again[0] != first[2] || again[1] != first[0] {
		t.Errorf("repeat: got %v, want first ids %s %s", again[:2], first[2], first[0])
	}
	if again[2] == first[3] {
		t.Errorf("jobs without a key were merged")
	}
	if c := counts(t, e.q); c.Waiting != 4 {
		t.Errorf("waiting = %d, want 4 distinct jobs", c.Waiting)
	}
	time.Sleep(400 * time.Millisecond) // let the window pass
	late := enqueue(t, e.q, []queue.EnqueueRequest{req("a")})
	if late[0] == first[0] {
		t.Errorf("key reused after its window: still %s", late[0])
	}
}
