package worker

import "errors"

var (
	// ErrBrowserUnavailable fails jobs with method=browser on a worker built
	// without a browser fetcher. The job error has type browser but is not
	// retried: waiting does not give this worker a browser.
	ErrBrowserUnavailable = errors.New("browser fetcher not available")

	// ErrUnknownMethod fails, without a retry, a job whose method is none of
	// http, browser and auto.
	ErrUnknownMethod = errors.New("unknown fetch method")

	// ErrInvalidConfig is returned by New for a Config or Deps it cannot run
	// with.
	ErrInvalidConfig = errors.New("invalid worker configuration")

	// ErrAlreadyRun is returned by a second call to Run: a Worker runs once.
	ErrAlreadyRun = errors.New("worker already run")
)
