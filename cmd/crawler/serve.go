package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crawler-service/crawler/internal/api"
	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/health"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/publisher"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/schedule"
	"github.com/crawler-service/crawler/internal/scheduler"
	"github.com/crawler-service/crawler/internal/worker"
)

// serve runs the configured process(es) until ctx ends, then shuts down in
// this order:
//
//	stop intake (API stops accepting, workers stop reading, scheduler and
//	publisher stop) → drain (in-flight jobs finish within SHUTDOWN_TIMEOUT)
//	→ give back leftovers (workers release unfinished jobs to the queue) →
//	flush metrics (fresh context, so the last interval reaches CloudWatch) →
//	close fetchers (browser) → close Redis.
func serve(ctx context.Context, cfg config.Config, getenv func(string) string, stdout, stderr io.Writer) error {
	log, closeLog := newLogger(cfg.LogFormat, stderr)
	defer closeLog() // last: the lines of the shutdown go out first
	instanceID := worker.NewID()
	log = log.With("process", cfg.Process, "instance", instanceID)
	routeOTelErrors(log)

	rdb, closeRedis, err := openRedis(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	defer closeRedis()

	mp, err := setupMetrics(ctx, cfg.Process, instanceID, getenv)
	if err != nil {
		return fmt.Errorf("%w: %w", config.ErrInvalid, err)
	}
	defer func() {
		// The last flush of metrics and spans takes its share of
		// SHUTDOWN_TIMEOUT (the drain below leaves it): a collector that
		// hangs must not keep the process past ECS's stop timeout.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), telemetryFlush)
		defer cancel()
		if err := mp.Shutdown(fctx); err != nil {
			log.Error("flushing telemetry", "err", err)
		}
	}()

	q := queue.New(rdb, cfg.QueueConfig())
	schedules := schedule.NewStore(rdb, cfg.Keys)
	has := func(p string) bool { return cfg.Process == config.ProcessAll || cfg.Process == p }
	g, gctx := errgroup.WithContext(ctx)

	// /metrics goes on the API's listener unless METRICS_ADDR names
	// another, which then serves it alone (an internal port, say).
	metricsOnAPI := has(config.ProcessAPI) && sameListener(cfg.MetricsAddr, cfg.API.Addr)
	if has(config.ProcessAPI) {
		token := cfg.API.Token
		if token == "" && !cfg.API.Open {
			token = newToken()
			fmt.Fprintf(stdout, "API token (shown once): %s\n", token)
		}
		deps := api.Deps{Jobs: q, Schedules: schedules, MeterProvider: mp.MeterProvider(), Logger: log}
		if metricsOnAPI {
			deps.Metrics = mp.PrometheusHandler()
		}
		handler := api.New(api.Config{Token: token, Open: cfg.API.Open, Policy: policy(cfg.Fetch)}, deps)
		if err := listen(gctx, g, cfg.API.Addr, api.NewServer(handler, apiServerConfig(cfg.API), log), log, "api"); err != nil {
			return err
		}
	}
	// Otherwise a listener of its own serves /healthz for container health
	// checks, whatever the exporters, and /metrics when Prometheus is on.
	var checker *health.Checker
	if !metricsOnAPI {
		checker, err = serveHealth(gctx, g, cfg, q, mp.PrometheusHandler(), getenv, log)
		if err != nil {
			return err
		}
	}
	if has(config.ProcessWorker) {
		hosts, err := sharedHostLimiter(cfg, rdb, instanceID, log)
		if err != nil {
			return err
		}
		f, err := newPipeline(cfg, mp.MeterProvider(), log, hosts, mp.Tracing())
		if err != nil {
			return err
		}
		defer f.Close()
		rec, err := metrics.NewWorker(mp.MeterProvider())
		if err != nil {
			return err
		}
		// The worker returns within about DrainTimeout + 5 s (release,
		// liveness), and the telemetry flush follows: keep the whole under
		// SHUTDOWN_TIMEOUT.
		drain := max(cfg.ShutdownTimeout-5*time.Second-telemetryFlush, time.Second)
		w, err := worker.New(worker.Config{
			ID: instanceID, Concurrency: cfg.Worker.Concurrency, Interval: cfg.Worker.Interval,
			HeartbeatInterval: cfg.Worker.HeartbeatInterval, Lease: q.Config().Lease, DrainTimeout: drain,
			Process: cfg.Process, Version: version,
		}, worker.Deps{Queue: q, Jobs: f.Pipeline, Metrics: rec, Logger: log})
		if err != nil {
			return err
		}
		if checker != nil {
			checker.WatchLoop("worker reader", w.LastLoop, cfg.Health.WorkerStall)
		}
		g.Go(func() error { return w.Run(gctx) })
	}
	if has(config.ProcessScheduler) {
		s, err := scheduler.New(scheduler.Config{DefaultCron: cfg.Scheduler.DefaultCron}, schedules, q, log)
		if err != nil {
			return err
		}
		g.Go(func() error { return s.Run(gctx) })
	}
	if has(config.ProcessPublisher) {
		p, err := publisher.New(publisher.Config{Interval: cfg.Publisher.Interval}, q, mp.MeterProvider(), log)
		if err != nil {
			return err
		}
		defer p.Close()
		g.Go(func() error { return p.Run(gctx) })
	}
	log.Info("started", "exporters", mp.Exporters(), "trace_exporters", mp.TraceExporters())
	err = g.Wait()
	log.Info("stopped", "err", err)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// telemetryFlush bounds the last export of metrics and spans at shutdown.
const telemetryFlush = 4 * time.Second

// listen serves srv on addr until ctx ends, then stops accepting and lets
// requests in flight finish for 10 s; a connection still busy after that
// is closed, which is logged rather than failing the whole shutdown.
func listen(ctx context.Context, g *errgroup.Group, addr string, srv *api.Server, log *slog.Logger, name string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: listen %s: %w", name, addr, err)
	}
	log.Info("listening", "server", name, "addr", ln.Addr().String())
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("closed connections still busy at shutdown", "server", name, "err", err)
		}
		return nil
	})
	return nil
}

// apiServerConfig hands the API_* limits to the API's server.
func apiServerConfig(c config.API) api.ServerConfig {
	return api.ServerConfig{
		ReadHeaderTimeout: c.ReadHeaderTimeout, ReadTimeout: c.ReadTimeout, WriteTimeout: c.WriteTimeout,
		IdleTimeout: c.IdleTimeout, MaxHeaderBytes: c.MaxHeaderBytes, MaxConnections: c.MaxConnections,
	}
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sameListener reports whether two listen addresses would bind one port: the
// same port, and the same host or a wildcard one (":8080" covers
// "127.0.0.1:8080"). Config has checked both are host:port.
func sameListener(a, b string) bool {
	ha, pa, _ := net.SplitHostPort(a)
	hb, pb, _ := net.SplitHostPort(b)
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return pa == pb && (ha == hb || wildcard(ha) || wildcard(hb))
}
