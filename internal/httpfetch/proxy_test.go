package httpfetch_test

import (
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/dnstest"
	"github.com/crawler-service/crawler/internal/httpfetch"
	"github.com/crawler-service/crawler/internal/netguard"
)

// fakeProxy answers proxied requests itself, so a "public" target never
// leaves the machine, and records which targets it was asked for.
type fakeProxy struct {
	name    string
	mu      sync.Mutex
	targets []string
	hits    atomic.Int64
}

func (p *fakeProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.hits.Add(1)
	p.mu.Lock()
	p.targets = append(p.targets, r.URL.String())
	p.mu.Unlock()
	if !r.URL.IsAbs() {
		http.Error(w, "not a proxy request", http.StatusBadRequest)
		return
	}
	htmlHandler(pageHTML(p.name, `<a href="`+r.URL.String()+`">target</a>`))(w, r)
}

func TestProxiesRotate(t *testing.T) {
	t.Parallel()
	a, b := &fakeProxy{name: "proxy a"}, &fakeProxy{name: "proxy b"}
	pa, pb := serve(t, a), serve(t, b)
	// A strict policy: the proxies on loopback are trusted configuration,
	// the targets are public.
	f := newProxied(t, httpfetch.Config{}, []string{pa.URL, pb.URL})
	var titles []string
	for range 4 {
		page, err := get(t, f, "http://93.184.215.14/page?x=1", &crawler.RankSpec{Selector: "li", Match: "93.184.215.14/page"})
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if page.Rank == nil {
			t.Fatalf("the proxy did not see the target URL: %+v", page)
		}
		titles = append(titles, page.Title)
	}
	want := []string{"proxy a", "proxy b", "proxy a", "proxy b"}
	for i := range want {
		if titles[i] != want[i] {
			t.Fatalf("jobs went through %v, want %v", titles, want)
		}
	}
}

func TestProxiedTargetsAreChecked(t *testing.T) {
	t.Parallel()
	p := &fakeProxy{name: "proxy"}
	ps := serve(t, p)
	resolver := dnstest.Start(t, map[string][]netip.Addr{
		"private.test": {netip.MustParseAddr("10.1.2.3")},
		"public.test":  {netip.MustParseAddr("93.184.215.14")},
	}).Resolver()
	tests := []struct {
		name   string
		url    string
		policy netguard.Policy
		want   crawler.ErrorType
	}{
		{"loopback literal", "http://127.0.0.1:1/", netguard.Policy{}, crawler.ErrBlocked},
		{"metadata literal", "http://169.254.169.254/", allowPrivate, crawler.ErrBlocked},
		{"localhost", "http://localhost/", netguard.Policy{}, crawler.ErrBlocked},
		{"name resolving to private", "http://private.test/", netguard.Policy{}, crawler.ErrBlocked},
		{"unresolvable name", "http://nonexistent.invalid/", netguard.Policy{}, crawler.ErrDNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newProxied(t, httpfetch.Config{Policy: tt.policy, Resolver: resolver}, []string{ps.URL})
			_, err := get(t, f, tt.url, nil)
			wantType(t, err, tt.want, nil)
		})
	}
	t.Run("public name goes through", func(t *testing.T) {
		t.Parallel()
		f := newProxied(t, httpfetch.Config{Resolver: resolver}, []string{ps.URL})
		if page, err := get(t, f, "http://public.test/", nil); err != nil || page.Title != "proxy" {
			t.Fatalf("Fetch = %+v, %v", page, err)
		}
	})
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.targets) != 1 || p.targets[0] != "http://public.test/" {
			t.Errorf("proxy was asked for %v, want only the public target", p.targets)
		}
	})
}
