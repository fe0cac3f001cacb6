package httpfetch_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/httpfetch"
)

// TestTracedFetch: with Traced, a job's fetch records the pipeline's
// spans and one otelhttp client span per request (the redirect too), with
// the connection phases as events; no span holds the URLs' query strings,
// and the site sees no trace headers. Not parallel: it sets the global
// TracerProvider, as the worker's process does.
func TestTracedFetch(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); _ = tp.Shutdown(context.Background()) })

	var mu sync.Mutex
	var leaked []string
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"Traceparent", "Tracestate", "Baggage"} {
			if v := r.Header.Get(h); v != "" {
				mu.Lock()
				leaked = append(leaked, h+": "+v)
				mu.Unlock()
			}
		}
		if ref := r.Header.Get("Referer"); ref != "" {
			// Go would send the previous hop's URL, query and all.
			mu.Lock()
			leaked = append(leaked, "Referer: "+ref)
			mu.Unlock()
		}
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/page?session=s3cret-two", http.StatusFound)
			return
		}
		htmlHandler(pageHTML("T", "a", "b", "target"))(w, r)
	}))
	f := newFetcher(t, httpfetch.Config{Policy: allowPrivate, Traced: true})

	ctx, root := tp.Tracer("test").Start(context.Background(), "attempt")
	res, _, err := f.jobs.Run(ctx, crawler.Job{ID: "j", URL: srv.URL + "/start?token=s3cret-one", Method: crawler.MethodHTTP,
		Rank: &crawler.RankSpec{Selector: "li", Match: "target"}})
	root.End()
	if err != nil || res.Rank == nil || *res.Rank != 3 {
		t.Fatalf("Run: %+v, %v; want rank 3", res, err)
	}

	spans := rec.Ended()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = append(byName[s.Name()], s)
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.Emit(), "s3cret") {
				t.Errorf("span %s attribute %s = %s holds a query string", s.Name(), a.Key, a.Value.Emit())
			}
		}
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				if strings.Contains(a.Value.Emit(), "s3cret") {
					t.Errorf("span %s event %s attribute %s holds a query string", s.Name(), e.Name, a.Key)
				}
			}
		}
	}
	if len(byName["fetch http"]) != 1 || len(byName["rank"]) != 1 || len(byName["HTTP GET"]) != 2 {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name())
		}
		t.Fatalf("spans %v: want one fetch http, one rank, two HTTP GET", names)
	}
	fetchSpan := byName["fetch http"][0]
	if fetchSpan.Parent().SpanID() != root.SpanContext().SpanID() {
		t.Errorf("fetch http's parent is %s, want the attempt", fetchSpan.Parent().SpanID())
	}
	if byName["rank"][0].Parent().SpanID() != fetchSpan.SpanContext().SpanID() {
		t.Error("rank is not a child of fetch http")
	}
	for _, s := range byName["HTTP GET"] {
		if s.Parent().SpanID() != fetchSpan.SpanContext().SpanID() {
			t.Errorf("HTTP GET's parent is %s, want fetch http", s.Parent().SpanID())
		}
		var events []string
		for _, e := range s.Events() {
			events = append(events, e.Name)
		}
		for _, want := range []string{"http.getconn.start", "http.getconn.done", "http.receive.start"} {
			if !slices.Contains(events, want) {
				t.Errorf("HTTP GET events %v lack %s", events, want)
			}
		}
	}
	// One request opened the connection ("http.connect.ADDR.start" and
	// ".done"); the other reused it.
	connects := 0
	for _, s := range byName["HTTP GET"] {
		for _, e := range s.Events() {
			if strings.HasPrefix(e.Name, "http.connect.") && strings.HasSuffix(e.Name, ".done") {
				connects++
			}
		}
	}
	if connects != 1 {
		t.Errorf("%d connect phases in the two requests, want 1", connects)
	}
	mu.Lock()
	if len(leaked) > 0 {
		t.Errorf("the site saw trace headers or a Referer: %v", leaked)
	}
	mu.Unlock()

	// A server that answers garbage quoting the request line: otelhttp
	// puts the transport's error text in the span's status, which must
	// hold no query either.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			parts := strings.Fields(line)
			if len(parts) > 1 {
				fmt.Fprintf(c, "BOGUS%s\r\n\r\n", parts[1])
			}
			c.Close()
		}
	}()
	ended0 := len(rec.Ended())
	if _, _, err := f.jobs.Run(ctx, crawler.Job{ID: "j3", URL: "http://" + ln.Addr().String() + "/page?apikey=s3cret-three", Method: crawler.MethodHTTP}); err == nil {
		t.Fatal("a garbage answer fetched fine")
	}
	for _, sp := range rec.Ended()[ended0:] {
		if strings.Contains(sp.Status().Description, "s3cret") {
			t.Errorf("span %s status %q holds a query string", sp.Name(), sp.Status().Description)
		}
	}

	// A job that was not sampled records nothing and still fetches.
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}))
	ended := len(rec.Ended())
	res, _, err = f.jobs.Run(unsampled, crawler.Job{ID: "j2", URL: srv.URL + "/start?token=s3cret-one", Method: crawler.MethodHTTP})
	if err != nil || res.Status != 200 {
		t.Fatalf("unsampled Run: %+v, %v", res, err)
	}
	if n := len(rec.Ended()) - ended; n != 0 {
		t.Errorf("an unsampled job recorded %d spans", n)
	}
}
