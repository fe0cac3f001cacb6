package httpfetch_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startDNS serves A records from table on a loopback UDP port and NXDOMAIN
// for every other name, and returns a resolver that asks only it, so no
// test sends a DNS query off the machine. /etc/hosts still answers
// "localhost" first, as in production.
func startDNS(t *testing.T, table map[string]netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen dns: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp, ok := answerDNS(buf[:n], table); ok {
				_, _ = pc.WriteTo(resp, from)
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

func answerDNS(query []byte, table map[string]netip.Addr) ([]byte, bool) {
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
	addr, known := table[name]
	rcode := dnsmessage.RCodeSuccess
	if !known {
		rcode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: hdr.ID, Response: true, Authoritative: true, RCode: rcode})
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
	switch {
	case known && q.Type == dnsmessage.TypeA && addr.Is4():
		_ = b.AResource(rh, dnsmessage.AResource{A: addr.As4()})
	case known && q.Type == dnsmessage.TypeAAAA && addr.Is6():
		_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: addr.As16()})
	}
	msg, err := b.Finish()
	return msg, err == nil
}

func newFetcher(t *testing.T, cfg httpfetch.Config) *httpfetch.Fetcher {
	t.Helper()
	f, err := httpfetch.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// serveOn serves h on a given loopback address such as 127.0.0.2:0.
func serveOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, f *httpfetch.Fetcher, rawURL string, spec *crawler.RankSpec) (httpfetch.Page, error) {
	t.Helper()
	return f.FetchPage(t.Context(), crawler.Job{ID: "j", URL: rawURL, Method: crawler.MethodHTTP, Rank: spec})
}

func wantType(t *testing.T, err error, want crawler.ErrorType, sentinel error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if got := crawler.TypeOf(err); got != want {
		t.Fatalf("type %s, want %s (%v)", got, want, err)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Fatalf("%v does not wrap %v", err, sentinel)
	}
}

func pageHTML(title string, items ...string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>" + title + "</title></head><body><ul>")
	for _, it := range items {
		b.WriteString(`<li class="item">` + it + "</li>")
	}
	b.WriteString("</ul></body></html>")
	return b.String()
}

func htmlHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}
