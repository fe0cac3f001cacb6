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
	// MaxBodyBytes bounds the decompressed body (5 MiB); more is too_large.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects a job follows (5); negative
	// follows none. One more is ErrTooManyRedirects (http_4xx).
	MaxRedirects int

	// Policy decides which addresses may be dialed (netguard).
	Policy netguard.Policy

	// Robots makes jobs respect robots.txt; a disallowed URL is blocked.
	Robots bool

	// Traced records an OpenTelemetry client span for every request (each
	// redirect and robots.txt too) with its phases — DNS, connect, TLS,
	// first byte — as events. Off, the transport is not wrapped at all.
	Traced bool
	// RobotsTTL is how long a host's robots.txt is cached (1h).
	RobotsTTL time.Duration

	// MaxIdleConns bounds idle keep-alive connections in total (512).
	MaxIdleConns int
	// MaxIdleConnsPerHost bounds them per host (8); set it to the
	// per-host concurrency when that is larger, so every request a host
	// may have in flight can reuse a connection.
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
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 5 << 20
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = 5
	}
	if c.RobotsTTL <= 0 {
		c.RobotsTTL = time.Hour
	}
	if c.MaxIdleConns <= 0 {
		c.MaxIdleConns = 512
	}
	if c.MaxIdleConnsPerHost <= 0 {
		c.MaxIdleConnsPerHost = 8
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	return c
}
