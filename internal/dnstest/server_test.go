package dnstest_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/crawler-service/crawler/internal/dnstest"
)

func TestServerAnswersFromItsTable(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t, map[string][]netip.Addr{
		"four.test":   {netip.MustParseAddr("10.1.2.3")},
		"six.test":    {netip.MustParseAddr("fd00::1")},
		"rebind.test": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")},
	})
	r := s.Resolver()
	ctx := context.Background()
	lookup := func(network, host string) ([]netip.Addr, error) { return r.LookupNetIP(ctx, network, host) }

	if got, err := lookup("ip4", "FOUR.test"); err != nil || !slices.Equal(got, []netip.Addr{netip.MustParseAddr("10.1.2.3")}) {
		t.Errorf("four.test A = %v, %v", got, err)
	}
	if got, err := lookup("ip6", "six.test"); err != nil || !slices.Equal(got, []netip.Addr{netip.MustParseAddr("fd00::1")}) {
		t.Errorf("six.test AAAA = %v, %v", got, err)
	}
	var want []string
	for range 3 {
		got, err := lookup("ip4", "rebind.test")
		if err != nil || len(got) != 1 {
			t.Fatalf("rebind.test = %v, %v", got, err)
		}
		want = append(want, got[0].String())
	}
	if !slices.Equal(want, []string{"127.0.0.1", "127.0.0.2", "127.0.0.2"}) {
		t.Errorf("rebind.test answers in turn = %v, want 127.0.0.1, then 127.0.0.2 for good", want)
	}
	_, err := lookup("ip", "unknown.test")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("unknown.test = %v, want not found", err)
	}
}
