package queue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/redistest"
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

// TestIdempotencyConflict: a key reused for a different job within the
// window is refused, naming the key, and the call adds nothing; the same
// job under its key still gets its first id.
func TestIdempotencyConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	m := miniredis.RunT(t)
	mini := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = mini.Close() })
	for name, q := range map[string]*queue.Queue{"redis": e.q, "miniredis": queue.New(mini, queue.Config{})} {
		t.Run(name, func(t *testing.T) {
			testIdempotencyConflict(t, q)
		})
	}
}

func testIdempotencyConflict(t *testing.T, q *queue.Queue) {
	ctx := context.Background()
	job := func(url, key string) queue.EnqueueRequest {
		return queue.EnqueueRequest{Job: crawler.Job{URL: url, Method: crawler.MethodHTTP}, IdempotencyKey: key}
	}
	wantConflict := func(what, key string, index int, reqs []queue.EnqueueRequest) {
		t.Helper()
		before := counts(t, q).Waiting
		ids, err := q.Enqueue(ctx, reqs)
		var ce *queue.IdempotencyConflictError
		if !errors.Is(err, queue.ErrIdempotencyConflict) || !errors.As(err, &ce) || ce.Key != key || ce.Index != index {
			t.Errorf("%s: %d ids, err %v; want a conflict on key %q at %d", what, len(ids), err, key, index)
		}
		if after := counts(t, q).Waiting; after != before {
			t.Errorf("%s: %d jobs added by a refused call", what, after-before)
		}
	}
	first := enqueue(t, q, []queue.EnqueueRequest{job("https://a.example/", "k")})[0]
	wantConflict("other url", "k", 0, []queue.EnqueueRequest{job("https://b.example/", "k")})
	other := job("https://a.example/", "k")
	other.Job.Rank = &crawler.RankSpec{Selector: "li", Match: "x"}
	wantConflict("other rank", "k", 0, []queue.EnqueueRequest{other})
	wantConflict("conflict after a good job", "k", 1, []queue.EnqueueRequest{job("https://c.example/", ""), job("https://b.example/", "k")})
	wantConflict("within one call", "new", 1, []queue.EnqueueRequest{job("https://a.example/", "new"), job("https://b.example/", "new")})

	// A batch of several script calls is refused whole, whichever call holds the conflict.
	big := jobs(1200, "")
	big[1100] = job("https://b.example/", "k")
	wantConflict("late in a large batch", "k", 1100, big)

	// The same job, however it was created, gets its first id back.
	again := job("https://a.example/", "k")
	again.Job.Created = time.Now().Add(time.Hour)
	if ids := enqueue(t, q, []queue.EnqueueRequest{job("https://d.example/", ""), again}); ids[1] != first {
		t.Errorf("repeat after conflicts: %s, want %s", ids[1], first)
	}
}

// TestIdempotencyKeyWithoutFingerprint: a key stored as a bare id (before
// fingerprints) still returns its id for any job.
func TestIdempotencyKeyWithoutFingerprint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{Keys: "old"})
	if err := e.rdb.Set(context.Background(), "{old}:idem:k", "01kold00000000000000000000", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	ids := enqueue(t, e.q, []queue.EnqueueRequest{{Job: crawler.Job{URL: "https://any.example/"}, IdempotencyKey: "k"}})
	if ids[0] != "01kold00000000000000000000" {
		t.Errorf("id %s, want the stored one", ids[0])
	}
}

// BenchmarkEnqueueBatch1000Keyed is BenchmarkEnqueueBatch1000 with an
// idempotency key on every job, new keys each round: fingerprints, the
// whole-batch key check, the script's own check and the keys it stores.
func BenchmarkEnqueueBatch1000Keyed(b *testing.B) {
	q := queue.New(redistest.Start(b).Client(), queue.Config{})
	reqs := jobs(1000, "")
	ctx := context.Background()
	start := time.Now()
	round := 0
	for b.Loop() {
		round++
		for i := range reqs {
			reqs[i].IdempotencyKey = fmt.Sprintf("r%d-%d", round, i)
		}
		if _, err := q.Enqueue(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(reqs))/time.Since(start).Seconds(), "jobs/s")
}
