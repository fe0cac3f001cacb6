package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/worker"
)

// TestLastLoop: the health check's signal. Zero before Run; an idle reader
// comes round every read block; a reader whose every slot is held stops
// coming round until a slot frees.
func TestLastLoop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testQueueConfig(t))
	hold := make(chan struct{})
	deps := e.deps()
	deps.Jobs = runnerFunc(func(ctx context.Context, job crawler.Job) (crawler.Result, crawler.Method, error) {
		<-hold
		return crawler.Result{Status: 200}, crawler.MethodHTTP, nil
	})
	w, err := worker.New(worker.Config{Concurrency: 1}, deps)
	if err != nil {
		t.Fatal(err)
	}
	if !w.LastLoop().IsZero() {
		t.Errorf("LastLoop before Run = %v, want zero", w.LastLoop())
	}
	w2, stop := start(t, worker.Config{Concurrency: 1}, deps)
	defer stop()
	first := time.Now()
	waitFor(t, "the reader to come round", 5*time.Second, func() bool { return w2.LastLoop().After(first) })
	idle := w2.LastLoop()
	waitFor(t, "an idle reader to come round again", 5*time.Second, func() bool { return w2.LastLoop().After(idle) })

	enqueue(t, e.q, crawler.Job{URL: "http://127.0.0.1:1/", Method: crawler.MethodHTTP})
	time.Sleep(2 * time.Second) // the job holds the only slot: at most one round after the read that took it
	held := w2.LastLoop()
	time.Sleep(1500 * time.Millisecond)
	if got := w2.LastLoop(); !got.Equal(held) {
		t.Errorf("reader came round at %v with its only slot held", got)
	}
	close(hold)
	waitFor(t, "the reader to come round once the slot frees", 5*time.Second, func() bool { return w2.LastLoop().After(held) })
}
