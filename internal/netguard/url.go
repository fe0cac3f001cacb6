package netguard

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

	"github.com/crawler-service/crawler/internal/crawler"
)

// hostProfile is IDNA lookup without STD3's ban on underscores, which real
// host names use.
var hostProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.StrictDomainName(false))

// MaxURLLength is the longest URL ValidateURL accepts, in bytes.
const MaxURLLength = 2048

// ValidateURL checks a URL given as crawl input without applying an address
// policy: http or https, a host, no userinfo, at most MaxURLLength bytes, a
// sane port and host name. Errors are *crawler.FetchError of type parse
// wrapping ErrInvalidURL.
func ValidateURL(raw string) (*url.URL, error) {
	u, _, err := parseURL(raw)
	return u, err
}

// ValidateURL is the package's ValidateURL plus the policy: a literal IP host
// is checked now, so the API can refuse http://169.254.169.254/ at once with
// a blocked error. Host names are checked again when dialed, against the
// addresses they resolve to.
func (p Policy) ValidateURL(raw string) (*url.URL, error) {
	u, ip, err := parseURL(raw)
	if err != nil {
		return nil, err
	}
	if ip.IsValid() {
		if err := p.CheckAddr(ip); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// parseURL returns the URL and, when its host is a literal IP, that address.
func parseURL(raw string) (*url.URL, netip.Addr, error) {
	if len(raw) > MaxURLLength {
		return nil, netip.Addr{}, invalid("longer than %d bytes", MaxURLLength)
	}
	if raw != strings.TrimSpace(raw) {
		return nil, netip.Addr{}, invalid("surrounding whitespace")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input; say only what is wrong with it.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return nil, netip.Addr{}, invalid("%v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, netip.Addr{}, invalid("scheme must be http or https")
	}
	if u.Opaque != "" {
		return nil, netip.Addr{}, invalid("opaque URLs are not crawlable")
	}
	if u.User != nil {
		return nil, netip.Addr{}, invalid("credentials in the URL are not allowed")
	}
	if err := checkPort(u.Port()); err != nil {
		return nil, netip.Addr{}, err
	}
	host := u.Hostname()
	if host == "" {
		return nil, netip.Addr{}, invalid("missing host")
	}
	if strings.HasPrefix(u.Host, "[") {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return nil, netip.Addr{}, invalid("bad IPv6 literal")
		}
		return u, ip, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Is4() {
			return nil, netip.Addr{}, invalid("IPv6 literal must be in brackets")
		}
		return u, ip, nil
	}
	if err := checkHostName(host); err != nil {
		return nil, netip.Addr{}, err
	}
	return u, netip.Addr{}, nil
}

func checkPort(port string) error {
	if port == "" {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return invalid("bad port %q", port)
	}
	return nil
}

// checkHostName accepts DNS names (IDNs included) and refuses the numeric
// spellings some resolvers read as IPv4 ("127.1", "0x7f.1", "2130706433"),
// which would otherwise slip past the early literal-IP check.
func checkHostName(host string) error {
	ascii, err := hostProfile.ToASCII(strings.TrimSuffix(host, "."))
	if err != nil {
		return invalid("bad host name")
	}
	if ascii == "" || len(ascii) > 253 {
		return invalid("bad host name")
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || !isLDH(l) {
			return invalid("bad host name")
		}
	}
	if looksNumeric(labels[len(labels)-1]) {
		return invalid("numeric host name that is not an IP address")
	}
	return nil
}

// isLDH allows letters, digits, hyphens and underscores (the last is not
// DNS-legal for host names but common in the wild).
func isLDH(label string) bool {
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func looksNumeric(label string) bool {
	s := strings.ToLower(label)
	if strings.HasPrefix(s, "0x") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func invalid(format string, args ...any) error {
	return crawler.Errorf(crawler.ErrParse, "netguard: %s: %w", fmt.Sprintf(format, args...), ErrInvalidURL)
}
