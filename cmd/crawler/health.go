package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/health"
)

// healthSettings are the bounds of /healthz on the metrics listener.
type healthSettings struct {
	checker     health.Config
	workerStall time.Duration // the worker's reader may go this long without a round
}

// loadHealth reads HEALTH_REDIS_GRACE and HEALTH_WORKER_STALL. A job holds
// its slot for at most two method attempts (auto: HTTP, then the browser)
// of CRAWL_TIMEOUT each, plus WORKER_INTERVAL_MS, and the reader waits for
// a slot that long: the stall bound must exceed that, and by default has
// two minutes to spare.
func loadHealth(cfg config.Config, getenv func(string) string) (healthSettings, error) {
	var h healthSettings
	busiest := 2*cfg.Fetch.Timeout + cfg.Worker.Interval
	grace, err := durationVar("HEALTH_REDIS_GRACE", getenv("HEALTH_REDIS_GRACE"), 30*time.Second, time.Second)
	if err != nil {
		return h, err
	}
	stall, err := durationVar("HEALTH_WORKER_STALL", getenv("HEALTH_WORKER_STALL"), busiest+2*time.Minute, busiest+time.Second)
	if err != nil {
		return h, err
	}
	h.checker.RedisGrace, h.workerStall = grace, stall
	return h, nil
}

// durationVar reads the value v of variable name: a duration of at least
// least, or def when unset.
func durationVar(name, v string, def, least time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < least {
		return 0, fmt.Errorf("%w: %s=%q: want a duration of at least %s, such as %s", config.ErrInvalid, name, v, least, def)
	}
	return d, nil
}

// serveHealth opens the metrics listener on METRICS_ADDR: /healthz from a
// health checker that pings Redis (returned, so the worker can add its
// reader), and /metrics when prometheus is on. A process that only serves
// health there, on the default address, carries on without it when the
// port is taken (several processes on one host, as in tests) and says so;
// otherwise a listen failure stops the start.
func serveHealth(ctx context.Context, g *errgroup.Group, cfg config.Config, hs healthSettings, redis health.Pinger,
	metrics http.Handler, getenv func(string) string, log *slog.Logger) (*health.Checker, error) {
	checker := health.New(hs.checker, redis)
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
