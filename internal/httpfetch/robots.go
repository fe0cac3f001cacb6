package httpfetch

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/sync/singleflight"

	"github.com/crawler-service/crawler/internal/crawler"
)

const (
	// robotsMaxBytes is the least RFC 9309 asks crawlers to parse.
	robotsMaxBytes = 500 << 10
	// robotsTimeout caps the robots.txt request inside the job's Timeout.
	robotsTimeout = 10 * time.Second
	// robotsServerErrorTTL: a 5xx robots.txt disallows everything, but only
	// briefly, so a site's hiccup does not block it for a whole RobotsTTL.
	robotsServerErrorTTL = time.Minute
	// robotsMaxEntries bounds the cache; expired entries go first.
	robotsMaxEntries = 10000
)

// robotsCache holds parsed robots.txt per origin (scheme://host:port).
type robotsCache struct {
	ttl   time.Duration
	agent string
	get   func(ctx context.Context, origin string) (*robotstxt.RobotsData, time.Duration, error)

	mu      sync.Mutex
	entries map[string]robotsEntry
	flight  singleflight.Group
}

type robotsEntry struct {
	data    *robotstxt.RobotsData
	expires time.Time
}

// check returns a blocked error when robots.txt disallows u, and the
// classified fetch error when robots.txt could not be fetched at all.
func (c *robotsCache) check(ctx context.Context, u *url.URL) error {
	origin := u.Scheme + "://" + u.Host
	data, err := c.lookup(ctx, origin)
	if err != nil {
		return err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !data.TestAgent(path, c.agent) {
		return crawler.Errorf(crawler.ErrBlocked, "httpfetch: %s: %w", crawler.Redact(u), ErrRobotsDisallowed)
	}
	return nil
}

func (c *robotsCache) lookup(ctx context.Context, origin string) (*robotstxt.RobotsData, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[origin]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.data, nil
	}
	v, err, _ := c.flight.Do(origin, func() (any, error) {
		data, ttl, err := c.get(ctx, origin)
		if err != nil {
			return nil, err
		}
		c.store(origin, robotsEntry{data: data, expires: time.Now().Add(min(ttl, c.ttl))})
		return data, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*robotstxt.RobotsData), nil
}

func (c *robotsCache) store(origin string, e robotsEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= robotsMaxEntries {
		now := time.Now()
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= robotsMaxEntries {
			clear(c.entries)
		}
	}
	c.entries[origin] = e
}

// fetchRobots gets origin/robots.txt through the fetcher's own client, so
// the address policy and the job's proxy apply to it too. Status handling is
// RFC 9309's: 4xx allows all, 5xx (and 429) disallows all, an unparsable
// file allows all.
func (f *Fetcher) fetchRobots(ctx context.Context, origin string) (*robotstxt.RobotsData, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, robotsTimeout)
	defer cancel()
	js := &jobState{skipRobots: true}
	if parent := jobStateFrom(ctx); parent != nil {
		js.proxy = parent.proxy
	}
	ctx = withJobState(ctx, js)
	target := origin + "/robots.txt"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, crawler.Errorf(crawler.ErrInternal, "httpfetch: robots request: %w", err)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, 0, classify(err, req.URL)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		data, _ := robotstxt.FromStatusAndBytes(http.StatusServiceUnavailable, nil)
		return data, robotsServerErrorTTL, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		data, _ := robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
		return data, f.cfg.RobotsTTL, nil
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, robotsMaxBytes)); err != nil {
		return nil, 0, classify(err, req.URL)
	}
	data, err := robotstxt.FromBytes(buf.Bytes())
	if err != nil {
		data, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	}
	return data, f.cfg.RobotsTTL, nil
}

// productToken is the User-Agent up to its first "/" or space, the name
// robots.txt groups address.
func productToken(ua string) string {
	if i := strings.IndexAny(ua, "/ "); i > 0 {
		return ua[:i]
	}
	return ua
}
