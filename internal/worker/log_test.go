package worker_test

import (
	"flag"
	"log/slog"
	"os"
)

var showLogs = flag.Bool("logs", false, "print the workers' logs")

// testLogger discards the workers' logs unless -logs is given.
func testLogger() *slog.Logger {
	if !*showLogs {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
