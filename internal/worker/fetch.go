package worker

import (
	"context"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Runner runs one job with the method(s) it asks for and returns the
// method that produced the outcome; *fetch.Pipeline is the one the
// service uses.
type Runner interface {
	Run(ctx context.Context, job crawler.Job) (crawler.Result, crawler.Method, error)
}

// methodLister is a runner that says which fetch methods it can run; a
// runner that does not is taken to run HTTP only.
type methodLister interface{ Methods() []crawler.Method }

// idleCloser is a runner holding keep-alive connections it can drop.
type idleCloser interface{ CloseIdleConnections() }

// closeIdle drops the runner's unused connections, when it holds any.
func (w *Worker) closeIdle() {
	if c, ok := w.runner.(idleCloser); ok {
		c.CloseIdleConnections()
	}
}
