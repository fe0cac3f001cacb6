package dnstest

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Server answers from its table until the test ends. A name with several
// addresses of one family answers them in turn, one per query, then keeps
// the last: a host that rebinds between lookups.
type Server struct {
	pc      net.PacketConn
	mu      sync.Mutex
	table   map[string][]netip.Addr
	queries map[string]int // by name and query type
}

// Start serves table (names in lower case, without the trailing dot) and
// stops when t ends.
func Start(t testing.TB, table map[string][]netip.Addr) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dnstest: listen: %v", err)
	}
	s := &Server{pc: pc, table: table, queries: make(map[string]int)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	t.Cleanup(func() {
		_ = pc.Close()
		<-done
	})
	return s
}

// Resolver is a Go resolver that asks only this server. /etc/hosts still
// answers "localhost" first, as in production.
func (s *Server) Resolver() *net.Resolver {
	addr := s.pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

func (s *Server) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp, ok := s.answer(buf[:n]); ok {
			_, _ = s.pc.WriteTo(resp, from)
		}
	}
}

func (s *Server) answer(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	hdr, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
	addr, known := s.next(name, q.Type)
	rcode := dnsmessage.RCodeSuccess
	if !known {
		rcode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: hdr.ID, Response: true, Authoritative: true, RCode: rcode})
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET}
	switch {
	case addr.Is4():
		_ = b.AResource(rh, dnsmessage.AResource{A: addr.As4()})
	case addr.Is6():
		_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: addr.As16()})
	}
	resp, err := b.Finish()
	return resp, err == nil
}

// next is the address to answer a query of type qt for name with (none
// when the name has no address of that family), and whether the name is
// known at all.
func (s *Server) next(name string, qt dnsmessage.Type) (netip.Addr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, known := s.table[name]
	var family []netip.Addr
	for _, a := range all {
		if (qt == dnsmessage.TypeA && a.Is4()) || (qt == dnsmessage.TypeAAAA && a.Is6() && !a.Is4In6()) {
			family = append(family, a)
		}
	}
	if len(family) == 0 {
		return netip.Addr{}, known
	}
	key := name + "/" + qt.String()
	i := min(s.queries[key], len(family)-1)
	s.queries[key]++
	return family[i], known
}
