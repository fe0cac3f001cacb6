package main

import (
	"context"
	"log/slog"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/health"
)

// serveHealth opens the metrics listener on METRICS_ADDR: /healthz from a
// health checker that pings Redis (returned, so the worker can add its
// reader), and /metrics when prometheus is on. A process that only serves
// health there, on the default address, carries on without it when the
// port is taken (several processes on one host, as in tests) and says so;
// otherwise a listen failure stops the start.
func serveHealth(ctx context.Context, g *errgroup.Group, cfg config.Config, redis health.Pinger,
	metrics http.Handler, getenv func(string) string, log *slog.Logger) (*health.Checker, error) {
	checker := health.New(health.Config{RedisGrace: cfg.Health.RedisGrace}, redis)
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", checker.Handler())
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	// The API's default limits: the API_* variables are the API's.
	err := listen(ctx, g, cfg.MetricsAddr, api.NewServer(mux, api.ServerConfig{}, log), log, "metrics")
	if err != nil {
		if metrics != nil || getenv("METRICS_ADDR") != "" {
			return nil, err
		}
		log.Warn("health: /healthz is not served: set METRICS_ADDR to a free address", "err", err)
		return nil, nil
	}
	g.Go(func() error { return checker.Run(ctx) })
	return checker, nil
}
