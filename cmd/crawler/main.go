// Command crawler runs the crawler service: the API, workers, the scheduler
// and the metric publisher, one of them or all in one process, and a
// one-shot crawl. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, errUsage) {
		fmt.Fprintln(os.Stderr, "crawler:", err)
	}
	os.Exit(exitCode(err))
}
