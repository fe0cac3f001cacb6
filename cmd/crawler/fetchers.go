package main

import (
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel/metric"

	"github.com/crawler-service/crawler/internal/browser"
	"github.com/crawler-service/crawler/internal/config"
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

func newFetchers(cfg config.Config, mp metric.MeterProvider, log *slog.Logger) (fetchers, error) {
	c := cfg.Fetch
	h, err := httpfetch.New(httpfetch.Config{
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
		MeterProvider: mp,
		Logger:        log,
	})
	if err != nil {
		_ = h.Close()
		return fetchers{}, fmt.Errorf("browser fetcher: %w", err)
	}
	return fetchers{http: h, browser: b}, nil
}
