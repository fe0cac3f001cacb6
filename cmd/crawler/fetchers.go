package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/browser"
	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/hostlimit"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

func policy(c config.Fetch) netguard.Policy {
	return netguard.Policy{AllowPrivate: c.AllowPrivate}
}

// pipeline is the fetch pipeline of one process with what it owns. The
// browser launches lazily: a process that never gets a browser job never
// starts Chromium.
type pipeline struct {
	*fetch.Pipeline
	http    *httpfetch.Fetcher
	browser *browser.Fetcher
}

// Close stops the browser (and its driver) and the HTTP transport.
func (p pipeline) Close() {
	if p.browser != nil {
		_ = p.browser.Close()
	}
	if p.http != nil {
		_ = p.http.Close()
	}
}

// newPipeline builds the process's fetchers and the pipeline over them.
// hosts, when not nil, limits requests per host in place of the in-process
// limiter; either way one limit covers both methods. traced turns on the
// HTTP fetcher's client spans.
func newPipeline(cfg config.Config, mp metric.MeterProvider, log *slog.Logger, hosts fetch.HostLimiter, traced bool) (pipeline, error) {
	c := cfg.Fetch
	if hosts == nil {
		hosts = fetch.NewHostLimiter(c.PerHostConcurrency, c.PerHostGap)
	}
	proxies, err := fetch.NewProxies(c.Proxies, c.ProxyEnv)
	if err != nil {
		return pipeline{}, fmt.Errorf("proxies: %w", err)
	}
	h := httpfetch.New(httpfetch.Config{
		UserAgent:           c.UserAgent,
		MaxBodyBytes:        c.MaxBodyBytes,
		Policy:              policy(c),
		Robots:              c.Robots,
		MaxIdleConnsPerHost: max(c.PerHostConcurrency, 8),
		Traced:              traced,
	})
	b, err := browser.New(browser.Config{
		Concurrency:   c.BrowserConcurrency,
		DriverPath:    c.BrowserDriverPath,
		UserAgent:     c.UserAgent,
		MaxBytes:      c.MaxBodyBytes,
		MaxPageBytes:  c.BrowserMaxPageBytes,
		Policy:        policy(c),
		MeterProvider: mp,
		Logger:        log,
	})
	if err != nil {
		_ = h.Close()
		return pipeline{}, fmt.Errorf("browser fetcher: %w", err)
	}
	p, err := fetch.New(fetch.Config{
		Policy: policy(c), Hosts: hosts, Timeout: c.Timeout, Proxies: proxies, Logger: log,
		Fetchers: map[crawler.Method]fetch.Fetcher{crawler.MethodHTTP: h, crawler.MethodBrowser: b},
	})
	if err != nil {
		_ = b.Close()
		_ = h.Close()
		return pipeline{}, err
	}
	return pipeline{Pipeline: p, http: h, browser: b}, nil
}

// sharedHostLimiter is the per-host limit held across every worker through
// Redis (CRAWL_PER_HOST_SHARED), or nil when each process limits alone.
// A place is held at most the fetch timeout plus a margin, so a worker
// that dies mid-request frees its place by then.
func sharedHostLimiter(cfg config.Config, rdb redis.UniversalClient, owner string, log *slog.Logger) (fetch.HostLimiter, error) {
	c := cfg.Fetch
	if !c.PerHostShared {
		return nil, nil
	}
	l, err := hostlimit.New(rdb, hostlimit.Config{
		Keys: cfg.Keys, Concurrency: c.PerHostConcurrency, Gap: c.PerHostGap,
		Lease: c.Timeout + 10*time.Second, Owner: owner,
		Fallback: fetch.NewHostLimiter(c.PerHostConcurrency, c.PerHostGap),
	}, log)
	if err != nil {
		return nil, fmt.Errorf("shared host limit: %w", err)
	}
	return l, nil
}
