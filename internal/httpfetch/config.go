package httpfetch

import (
	"crypto/x509"
	"net"
	"time"

	"github.com/crawler-service/crawler/internal/netguard"
)

// DefaultUserAgent is sent when Config.UserAgent is empty. Its product token
// ("crawler-service") is what robots.txt groups are matched against.
const DefaultUserAgent = "crawler-service/1.0 (+https://github.com/crawler-service/crawler)"

// Config configures a Fetcher. Every zero value means the default named on
// its field.
type Config struct {
	UserAgent string // DefaultUserAgent

	// ConnectTimeout bounds one TCP connect (5s); the TLS handshake gets
	// twice as long.
	ConnectTimeout time.Duration
	// Timeout bounds a whole job once its host slot is held: robots.txt,
	// redirects, headers and body (30s). Waiting for the host slot is
	// bounded only by the caller's context.
	Timeout time.Duration
	// MaxBodyBytes bounds the decompressed body (5 MiB); more is too_large.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects a job follows (5); negative
	// follows none. One more is ErrTooManyRedirects (http_4xx).
	MaxRedirects int

	// Policy decides which addresses may be dialed (netguard).
	Policy netguard.Policy

	// PerHostConcurrency bounds requests in flight to one host name (2).
	PerHostConcurrency int
	// PerHostGap is the least time between two request starts to one host
	// (0: none).
	PerHostGap time.Duration
	// HostLimiter replaces the in-process limiter built from the two fields
	// above, e.g. with one shared by all workers.
	HostLimiter HostLimiter

	// Proxies are outbound proxy URLs (http, https or socks5), one chosen
	// per job in rotation. Empty: HTTP_PROXY, HTTPS_PROXY and NO_PROXY as
	// http.ProxyFromEnvironment reads them.
	Proxies []string

	// Robots makes jobs respect robots.txt; a disallowed URL is blocked.
	Robots bool
	// RobotsTTL is how long a host's robots.txt is cached (1h).
	RobotsTTL time.Duration

	// MaxIdleConns bounds idle keep-alive connections in total (512).
	MaxIdleConns int
	// MaxIdleConnsPerHost bounds them per host (the larger of
	// PerHostConcurrency and 8), so every request a host may have in
	// flight can reuse a connection.
	MaxIdleConnsPerHost int

	// Resolver resolves host names (net.DefaultResolver).
	Resolver *net.Resolver
	// RootCAs verifies servers (nil: the system roots).
	RootCAs *x509.CertPool
}

func (c Config) withDefaults() Config {
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 5 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 5 << 20
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = 5
	}
	if c.PerHostConcurrency <= 0 {
		c.PerHostConcurrency = 2
	}
	if c.RobotsTTL <= 0 {
		c.RobotsTTL = time.Hour
	}
	if c.MaxIdleConns <= 0 {
		c.MaxIdleConns = 512
	}
	if c.MaxIdleConnsPerHost <= 0 {
		c.MaxIdleConnsPerHost = max(c.PerHostConcurrency, 8)
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	return c
}
