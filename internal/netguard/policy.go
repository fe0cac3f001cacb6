package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Policy says which addresses the crawler may connect to. The zero Policy is
// the safe default: only public unicast addresses.
type Policy struct {
	// AllowPrivate lets the crawler reach loopback, private (RFC 1918, CGNAT,
	// unique-local) and link-local addresses: CRAWL_ALLOW_PRIVATE. Cloud
	// metadata endpoints, unspecified, multicast, broadcast and reserved
	// addresses stay refused even then, because no crawl target lives there
	// and credentials do; only Allow opens them.
	AllowPrivate bool
	// Allow lists prefixes that are always reachable. It is checked before
	// anything else, so it can open a single test server or a metadata
	// address on purpose.
	Allow []netip.Prefix
}

// CheckAddr returns nil when the policy lets the crawler connect to addr, and
// otherwise a *crawler.FetchError of type blocked wrapping ErrBlocked whose
// message names the address and why it is refused.
func (p Policy) CheckAddr(addr netip.Addr) error {
	if !addr.IsValid() {
		return blocked(addr, "not a valid address")
	}
	addr = addr.WithZone("")
	if p.allowed(addr) {
		return nil
	}
	// IPv4-mapped IPv6 (::ffff:a.b.c.d) reaches the IPv4 host on a dual-stack
	// socket, so it is judged as that IPv4 address.
	addr = addr.Unmap()
	if p.allowed(addr) {
		return nil
	}
	for _, r := range ranges {
		if !r.prefix.Contains(addr) {
			continue
		}
		if r.always || !p.AllowPrivate {
			return blocked(addr, r.reason)
		}
		return nil
	}
	if v4, kind, ok := embeddedIPv4(addr); ok {
		if err := p.CheckAddr(v4); err != nil {
			reason := "a refused address"
			var be *BlockedError
			if errors.As(err, &be) {
				reason = be.Reason
			}
			return blocked(addr, kind+" of "+reason)
		}
		return nil
	}
	// The table above covers these; the standard library's view is kept as
	// a second opinion so a gap in the table fails closed.
	if !p.AllowPrivate && (addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast()) {
		return blocked(addr, "a non-public address")
	}
	if addr.IsMulticast() || addr.IsUnspecified() {
		return blocked(addr, "not a unicast address")
	}
	return nil
}

// CheckHost applies the policy to every address host has, for a request
// whose connection the crawler does not dial itself (an upstream proxy, or
// Chromium, may pick any of them). A literal IP is checked as it is; a
// name is resolved with resolver, and a failed lookup is returned as the
// resolver's error (its text names the resolver: see Describe).
func (p Policy) CheckHost(ctx context.Context, resolver *net.Resolver, host string) error {
	if addr, err := netip.ParseAddr(host); err == nil {
		return p.CheckAddr(addr)
	}
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	for _, a := range addrs {
		if err := p.CheckAddr(a); err != nil {
			return err
		}
	}
	return nil
}

// Control is a net.Dialer Control hook. It runs after name resolution and
// before connect(2), on the address really being dialed, so a DNS answer or
// a redirect that points inside is refused before any packet leaves.
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return crawler.Errorf(crawler.ErrBlocked, "netguard: dial %s %q: unparsable address: %w", network, address, ErrBlocked)
	}
	return p.CheckAddr(ap.Addr())
}

func (p Policy) allowed(addr netip.Addr) bool {
	for _, pfx := range p.Allow {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}

func blocked(addr netip.Addr, reason string) error {
	return &crawler.FetchError{Type: crawler.ErrBlocked, Err: &BlockedError{Addr: addr, Reason: reason}}
}

// BlockedError is an address the policy refuses, and why. Its text names
// the address, for logs; Reason alone names only the kind of address
// (private, loopback, link-local, the metadata endpoint), for messages
// API clients read.
type BlockedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("netguard: %s is %s: %v", e.Addr, e.Reason, ErrBlocked)
}

// Unwrap makes errors.Is(err, ErrBlocked) hold.
func (e *BlockedError) Unwrap() error { return ErrBlocked }
