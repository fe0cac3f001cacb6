package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
)

func pause(t *testing.T, q *queue.Queue, want bool) {
	t.Helper()
	changed, err := q.Pause(context.Background())
	if err != nil || changed != want {
		t.Fatalf("pause = %v, %v; want %v, nil", changed, err, want)
	}
}

func resume(t *testing.T, q *queue.Queue, want bool) {
	t.Helper()
	changed, err := q.Resume(context.Background())
	if err != nil || changed != want {
		t.Fatalf("resume = %v, %v; want %v, nil", changed, err, want)
	}
}

// readNone reads for d and fails on any delivery.
func readNone(t *testing.T, q *queue.Queue, consumer string, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		ds, err := q.Read(context.Background(), consumer, 10, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("read %s: %v", consumer, err)
		}
		if len(ds) > 0 {
			t.Fatalf("read %s while paused: got %d deliveries (first %s)", consumer, len(ds), ds[0].Job.ID)
		}
	}
}

// A pause holds every reader, a fresh process's too (the flag is in Redis,
// not in a process); it is idempotent both ways, and shows in Counts.
func TestPauseHoldsReadersAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, queue.Config{})
	ids := enqueue(t, e.q, jobs(3, ""))
	pause(t, e.q, true)
	pause(t, e.q, false)
	if c := counts(t, e.q); !c.Paused || c.Waiting != 3 {
		t.Fatalf("counts while paused = %+v, want paused with 3 waiting", c)
	}
	readNone(t, e.q, "a", 300*time.Millisecond)

	restarted := queue.New(e.rdb, e.q.Config()) // a new process on the same Redis
	readNone(t, restarted, "b", 300*time.Millisecond)
	for _, id := range ids {
		if st := status(t, e.q, id); st.State != crawler.StateWaiting || st.Attempts != 0 {
			t.Errorf("job %s while paused: %+v, want waiting with no attempt", id, st)
		}
	}

	resume(t, restarted, true)
	resume(t, restarted, false)
	if c := counts(t, e.q); c.Paused {
		t.Fatalf("counts after resume = %+v, want not paused", c)
	}
	// The other reader last saw the queue paused: it looks again within
	// pauseCheckEvery, well inside a second.
	readN(t, e.q, "a", 3, time.Second)
}

// A pause made elsewhere while this process believes the queue runs: the
// shared read round reads the flag atomically with its reads, and the
// blocking read confirms it, so no job read after the pause is delivered.
// Jobs caught on the way go back without an attempt.
func TestPauseSeenByRunningReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		blocking bool // the reader is in a blocking read on an empty queue
	}{
		{name: "shared round"},
		{name: "blocking read", blocking: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, queue.Config{})
			reader := queue.New(e.rdb, e.q.Config())
			readNone(t, reader, "w", 50*time.Millisecond) // its view: running
			var ids []string
			if tt.blocking {
				got := make(chan []queue.Delivery, 1)
				go func() {
					ds, _ := reader.Read(context.Background(), "w", 10, time.Second)
					got <- ds
				}()
				time.Sleep(200 * time.Millisecond) // the read is blocking now
				pause(t, e.q, true)
				ids = enqueue(t, e.q, jobs(2, ""))
				if ds := <-got; len(ds) != 0 {
					t.Fatalf("blocking read across a pause delivered %d jobs", len(ds))
				}
			} else {
				pause(t, e.q, true)
				ids = enqueue(t, e.q, jobs(2, ""))
				readNone(t, reader, "w", 300*time.Millisecond)
			}
			if c := counts(t, e.q); c.Waiting != 2 || c.Active != 0 {
				t.Errorf("counts = %+v, want 2 waiting and none active", c)
			}
			for _, id := range ids {
				if st := status(t, e.q, id); st.State != crawler.StateWaiting || st.Attempts != 0 {
					t.Errorf("job %s: %+v, want waiting with no attempt", id, st)
				}
			}
			resume(t, e.q, true)
			readN(t, reader, "w", 2, time.Second)
		})
	}
}
