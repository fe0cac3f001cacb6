package main

import (
	"context"
	"fmt"

	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

func policy(c config.Fetch) netguard.Policy {
	return netguard.Policy{AllowPrivate: c.AllowPrivate}
}

// fetchers are the fetchers of one process.
type fetchers struct {
	http    *httpfetch.Fetcher
	browser crawler.Fetcher // nil until the browser fetcher exists
}

func (f fetchers) Close() { _ = f.http.Close() }

// Fetch runs a one-shot crawl's job: plain HTTP for http and auto; browser
// jobs need the browser fetcher.
func (f fetchers) Fetch(ctx context.Context, job crawler.Job) (crawler.Result, error) {
	if job.Method == crawler.MethodBrowser && f.browser == nil {
		return crawler.Result{}, crawler.Errorf(crawler.ErrBrowser, "browser fetcher not available")
	}
	return f.http.Fetch(ctx, job)
}

func newFetcher(_ context.Context, cfg config.Config, _ any) (fetchers, error) {
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
	return fetchers{http: h}, nil
}
