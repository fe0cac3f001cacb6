package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/browser"
	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/hostlimit"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

func policy(c config.Fetch) netguard.Policy {
	return netguard.Policy{AllowPrivate: c.AllowPrivate}
}

// fetchers are the fetchers of one process. The browser launches lazily:
// a process that never gets a browser job never starts Chromium.
type fetchers struct {
	http    *httpfetch.Fetcher
	browser *browser.Fetcher
}

// Close stops the browser (and its driver) and the HTTP transport.
func (f fetchers) Close() {
	if f.browser != nil {
		_ = f.browser.Close()
	}
	_ = f.http.Close()
}

// newFetchers builds the process's fetchers. hosts, when not nil, limits
// requests per host in place of the in-process limiter; either way both
// fetchers share one limit, so a host's limit covers both methods.
func newFetchers(cfg config.Config, mp metric.MeterProvider, log *slog.Logger, hosts httpfetch.HostLimiter) (fetchers, error) {
	c := cfg.Fetch
	if hosts == nil {
		hosts = httpfetch.NewHostLimiter(c.PerHostConcurrency, c.PerHostGap)
	}
	h, err := httpfetch.New(httpfetch.Config{
		HostLimiter:        hosts,
		UserAgent:          c.UserAgent,
		Timeout:            c.Timeout,
		MaxBodyBytes:       c.MaxBodyBytes,
		Policy:             policy(c),
		PerHostConcurrency: c.PerHostConcurrency,
		PerHostGap:         c.PerHostGap,
		Proxies:            c.Proxies,
		Robots:             c.Robots,
	})
	if err != nil {
		return fetchers{}, fmt.Errorf("http fetcher: %w", err)
	}
	b, err := browser.New(browser.Config{
		Concurrency:   c.BrowserConcurrency,
		DriverPath:    c.BrowserDriverPath,
		Timeout:       c.Timeout,
		UserAgent:     c.UserAgent,
		MaxBytes:      c.MaxBodyBytes,
		Policy:        policy(c),
		Hosts:         hosts,
		MeterProvider: mp,
		Logger:        log,
	})
	if err != nil {
		_ = h.Close()
		return fetchers{}, fmt.Errorf("browser fetcher: %w", err)
	}
	return fetchers{http: h, browser: b}, nil
}

// sharedHostLimiter is the per-host limit held across every worker through
// Redis (CRAWL_PER_HOST_SHARED), or nil when each process limits alone.
// A place is held at most the fetch timeout plus a margin, so a worker
// that dies mid-request frees its place by then.
func sharedHostLimiter(cfg config.Config, rdb redis.UniversalClient, owner string, log *slog.Logger) (httpfetch.HostLimiter, error) {
	c := cfg.Fetch
	if !c.PerHostShared {
		return nil, nil
	}
	l, err := hostlimit.New(rdb, hostlimit.Config{
		Prefix: "crawler", Concurrency: c.PerHostConcurrency, Gap: c.PerHostGap,
		Lease: c.Timeout + 10*time.Second, Owner: owner,
		Fallback: httpfetch.NewHostLimiter(c.PerHostConcurrency, c.PerHostGap),
	}, log)
	if err != nil {
		return nil, fmt.Errorf("shared host limit: %w", err)
	}
	return l, nil
}
