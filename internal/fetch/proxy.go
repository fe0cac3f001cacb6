package fetch

import (
	"fmt"
	"net"
	"net/url"
	"sync/atomic"

	"golang.org/x/net/http/httpproxy"

	"github.com/crawler-service/crawler/internal/crawler"
)

// ProxyFunc is one job's outbound proxy for a target URL; nil means a
// direct connection. Every method of the job uses it, so browser traffic
// leaves through the same proxy as plain HTTP would.
type ProxyFunc func(target *url.URL) (*url.URL, error)

// Proxies chooses each job's proxy: the configured list in rotation, one
// proxy per job, or else the environment's rule (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY) as the config loader read it.
type Proxies struct {
	list []*url.URL
	env  func(*url.URL) (*url.URL, error) // nil: direct
	next atomic.Uint64
}

// NewProxies checks the proxy URLs (http, https or socks5, with a host).
// env may be nil. Errors never quote a proxy's credentials.
func NewProxies(list []string, env *httpproxy.Config) (*Proxies, error) {
	p := &Proxies{}
	for i, raw := range list {
		u, err := ParseProxy(raw)
		if err != nil {
			return nil, fmt.Errorf("fetch: proxy #%d: %w", i+1, err)
		}
		p.list = append(p.list, u)
	}
	if env != nil {
		p.env = env.ProxyFunc()
	}
	return p, nil
}

// ParseProxy reads one proxy URL: scheme://[user:pass@]host[:port] with
// an http, https, socks5 or socks5h scheme. Its errors wrap ErrBadProxy
// and never quote raw: a password may stand anywhere in a value that does
// not parse.
func ParseProxy(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("not a URL: %w", ErrBadProxy)
	case u.Opaque != "" || u.Host == "":
		return nil, fmt.Errorf("want scheme://host:port: %w", ErrBadProxy)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
		return u, nil
	}
	return nil, fmt.Errorf("%s: scheme must be http, https or socks5: %w", crawler.Redact(u), ErrBadProxy)
}

// ForJob returns the proxy rule of one job; nil when every connection is
// direct. Call it once per job: each call takes the next proxy of the list.
func (p *Proxies) ForJob() ProxyFunc {
	if p == nil {
		return nil
	}
	if len(p.list) > 0 {
		u := p.list[(p.next.Add(1)-1)%uint64(len(p.list))]
		return func(*url.URL) (*url.URL, error) { return u, nil }
	}
	if p.env != nil {
		return p.env
	}
	return nil
}

// ProxyAddr is the host:port a proxy URL is dialed at, with the scheme's
// default port (socks5: 1080) when it names none, as net/http dials it.
func ProxyAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		default:
			port = "1080"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}
