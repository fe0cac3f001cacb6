package httpfetch_test

import (
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crawler-service/crawler/internal/httpfetch"
)

func TestTLSWithTrustedRootUsesHTTP2(t *testing.T) {
	t.Parallel()
	protos := make(chan int, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.ProtoMajor
		htmlHandler(pageHTML("secure"))(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate, RootCAs: roots})
	page, err := get(t, f, srv.URL, nil)
	if err != nil || page.Title != "secure" {
		t.Fatalf("Fetch = %+v, %v", page, err)
	}
	if p := <-protos; p != 2 {
		t.Fatalf("request used HTTP/%d, want HTTP/2", p)
	}
}
