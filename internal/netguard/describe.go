package netguard

import (
	"errors"
	"fmt"
	"net"
)

// Describe says why reaching host failed, in words for the job's record,
// which API clients read: a refused address is named by its host and the
// kind of address it is (private, loopback, link-local, the metadata
// endpoint), a DNS failure by the name looked up, a socket error by what
// the system said. It never names the address a name resolved to, nor the
// resolver, nor a proxy's address: those are ours, and go to the log.
func Describe(host string, err error) string {
	var (
		be     *BlockedError
		dnsErr *net.DNSError
		opErr  *net.OpError
	)
	switch {
	case errors.As(err, &be):
		return fmt.Sprintf("%s is refused: it is %s", host, be.Reason)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("lookup %s: %s", dnsErr.Name, dnsErr.Err)
	case errors.As(err, &opErr):
		op := opErr.Op
		if op == "proxyconnect" {
			op = "connect to the proxy"
		}
		return fmt.Sprintf("%s: %s", op, Innermost(opErr.Err))
	}
	return err.Error()
}

// Innermost is the text of the last error in err's chain, which for a
// socket error is what the system said ("connection refused") without
// the addresses the layers above it add.
func Innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
