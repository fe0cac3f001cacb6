package queue_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

func TestReadCompleteStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{RecordTTL: time.Hour})
	ids := enqueue(t, e.q, jobs(1, ""))

	d := readN(t, e.q, "c1", 1, time.Second)[0]
	if st := status(t, e.q, ids[0]); st.State != crawler.StateActive || st.Attempts != 1 {
		t.Errorf("status while read = %+v, want active, attempt 1", st)
	}
	rank := 3
	want := crawler.Result{FinalURL: d.Job.URL, Status: 200, Method: crawler.MethodHTTP, DurationMS: 12, Title: "T", Bytes: 99, Rank: &rank}
	complete(t, e.q, d, want)

	st := status(t, e.q, ids[0])
	if st.State != crawler.StateCompleted || st.Attempts != 1 || st.Error != nil || !reflect.DeepEqual(st.Result, &want) {
		t.Errorf("status after complete = %+v (result %+v), want completed with %+v", st, st.Result, want)
	}
	ttl, err := e.rdb.PTTL(ctx, e.q.Config().Keys.Job(ids[0])).Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("record TTL = %s, %v; want about RecordTTL (1h)", ttl, err)
	}
	if c := counts(t, e.q); c != (crawler.QueueCounts{}) {
		t.Errorf("counts after the only job completed = %+v, want zeros", c)
	}
	if _, err := e.q.Status(ctx, "no-such-job"); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("status of unknown id: err = %v, want ErrNotFound", err)
	}
}

func TestFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cause     error
		retryable bool
		failures  int // Fail calls before the final one checked
		wantState crawler.State
		wantType  crawler.ErrorType
	}{
		{name: "retryable goes to delayed", cause: crawler.Errorf(crawler.ErrTimeout, "slow"), retryable: true, wantState: crawler.StateDelayed, wantType: crawler.ErrTimeout},
		{name: "non-retryable fails directly", cause: crawler.Errorf(crawler.ErrHTTP4xx, "404"), wantState: crawler.StateFailed, wantType: crawler.ErrHTTP4xx},
		{name: "exhausted attempts fail", cause: crawler.Errorf(crawler.ErrHTTP5xx, "503"), retryable: true, failures: 2, wantState: crawler.StateFailed, wantType: crawler.ErrHTTP5xx},
		{name: "plain error is internal", cause: errors.New("boom"), wantState: crawler.StateFailed, wantType: crawler.ErrInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, queue.Config{MaxAttempts: 3, BackoffBase: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond, PromoteEvery: 10 * time.Millisecond})
			ids := enqueue(t, e.q, jobs(1, ""))
			for i := range tt.failures {
				d := readN(t, e.q, "c", 1, 2*time.Second)[0]
				if d.Attempt != i+1 {
					t.Fatalf("delivery %d has attempt %d", i+1, d.Attempt)
				}
				if _, err := e.q.Fail(ctx, d, tt.cause, true); err != nil {
					t.Fatalf("fail: %v", err)
				}
			}
			d := readN(t, e.q, "c", 1, 2*time.Second)[0]
			got, err := e.q.Fail(ctx, d, tt.cause, tt.retryable)
			if err != nil || got != tt.wantState {
				t.Fatalf("Fail = %s, %v; want %s", got, err, tt.wantState)
			}
			st := status(t, e.q, ids[0])
			wantErr := &crawler.JobError{Type: tt.wantType, Message: tt.cause.Error()}
			if st.State != tt.wantState || st.Attempts != tt.failures+1 || !reflect.DeepEqual(st.Error, wantErr) {
				t.Errorf("status = %+v (error %+v), want %s after %d attempts with %+v", st, st.Error, tt.wantState, tt.failures+1, wantErr)
			}
			c := counts(t, e.q)
			wantCounts := crawler.QueueCounts{Failed: 1}
			if tt.wantState == crawler.StateDelayed {
				wantCounts = crawler.QueueCounts{Delayed: 1}
			}
			if c != wantCounts {
				t.Errorf("counts = %+v, want %+v", c, wantCounts)
			}
		})
	}
}

func TestRetryIsPromotedAfterBackoff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{BackoffBase: 200 * time.Millisecond, BackoffMax: 200 * time.Millisecond, PromoteEvery: 20 * time.Millisecond})
	ids := enqueue(t, e.q, jobs(1, ""))
	d := readN(t, e.q, "c", 1, time.Second)[0]
	failedAt := time.Now()
	if st, err := e.q.Fail(ctx, d, crawler.Errorf(crawler.ErrConnect, "refused"), true); err != nil || st != crawler.StateDelayed {
		t.Fatalf("Fail = %s, %v; want delayed", st, err)
	}
	if st := status(t, e.q, ids[0]); st.State != crawler.StateDelayed || st.Attempts != 1 || st.Error == nil || st.Error.Type != crawler.ErrConnect {
		t.Fatalf("status = %+v, want delayed after 1 attempt with a connect error", st)
	}

	again := readN(t, e.q, "c", 1, 2*time.Second)[0]
	if waited := time.Since(failedAt); waited > 1500*time.Millisecond {
		t.Errorf("retry came %s after the failure; backoff is at most 200ms plus promotion", waited)
	}
	if again.Job.ID != ids[0] || again.Attempt != 2 || again.StreamID == d.StreamID {
		t.Fatalf("retry delivery = %+v, want job %s attempt 2 on a new entry", again, ids[0])
	}
	if st := status(t, e.q, ids[0]); st.State != crawler.StateActive || st.Attempts != 2 {
		t.Errorf("status during retry = %+v, want active attempt 2", st)
	}
	complete(t, e.q, again, crawler.Result{Status: 200})
	if st := status(t, e.q, ids[0]); st.State != crawler.StateCompleted || st.Attempts != 2 || st.Error != nil {
		t.Errorf("status after retry succeeded = %+v, want completed, 2 attempts, no error", st)
	}
}

func TestReleaseGivesJobsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	ids := enqueue(t, e.q, jobs(3, ""))
	ds := readN(t, e.q, "leaving", 2, time.Second)
	if err := e.q.Release(ctx, ds); err != nil {
		t.Fatalf("release: %v", err)
	}
	if c := counts(t, e.q); c.Waiting != 3 || c.Active != 0 {
		t.Errorf("counts after release = %+v, want 3 waiting, 0 active", c)
	}
	if st := status(t, e.q, ids[0]); st.State != crawler.StateWaiting || st.Attempts != 0 {
		t.Errorf("released job status = %+v, want waiting, 0 attempts", st)
	}
	got := readN(t, e.q, "staying", 3, time.Second)
	// The job never taken comes first; released ones go to the back.
	wantOrder := []string{ids[2], ids[0], ids[1]}
	for i, d := range got {
		if d.Job.ID != wantOrder[i] || d.Attempt != 1 {
			t.Errorf("delivery %d = %s attempt %d, want %s attempt 1", i, d.Job.ID, d.Attempt, wantOrder[i])
		}
	}
	// Releasing deliveries that now belong to someone else changes nothing.
	if err := e.q.Release(ctx, ds); err != nil {
		t.Fatalf("stale release: %v", err)
	}
	if c := counts(t, e.q); c.Waiting != 0 || c.Active != 3 {
		t.Errorf("counts after stale release = %+v, want 0 waiting, 3 active", c)
	}
}

// An entry nobody can decode would otherwise come back after every lease;
// it is parked at once, inspectable, and the good jobs flow on.
func TestUndecodableEntryIsParked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, queue.Config{})
	stream := e.q.Config().Keys.Stream()
	if err := e.rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"i", "bad-1", "a", "1", "j", "{not json"}}).Err(); err != nil {
		t.Fatalf("xadd: %v", err)
	}
	ids := enqueue(t, e.q, jobs(1, ""))
	got := readN(t, e.q, "c", 1, time.Second)
	if got[0].Job.ID != ids[0] {
		t.Fatalf("read %s, want the good job %s", got[0].Job.ID, ids[0])
	}
	st := status(t, e.q, "bad-1")
	if st.State != crawler.StateFailed || st.Error == nil || st.Error.Type != crawler.ErrInternal {
		t.Errorf("bad entry status = %+v, want failed with an internal error", st)
	}
	if c := counts(t, e.q); c.Failed != 1 || c.Active != 1 || c.Waiting != 0 {
		t.Errorf("counts = %+v, want 1 failed, 1 active", c)
	}
}
