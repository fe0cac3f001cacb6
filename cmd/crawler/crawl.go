package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/internal/rank"
)

// parseInterleaved parses flags wherever they stand among the URLs
// (`crawl URL --json` as well as `crawl --json URL`); the flag package
// alone stops at the first argument that is not a flag. It returns the
// URLs: every such argument, and all that follows a "--".
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var urls []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return urls, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(urls, rest...), nil
		}
		urls = append(urls, rest[0])
		args = rest[1:]
	}
}

// crawlLine is one printed result.
type crawlLine struct {
	URL    string            `json:"url"`
	Result *crawler.Result   `json:"result,omitempty"`
	Error  *crawler.JobError `json:"error,omitempty"`
}

// runCrawl crawls URLs once, in process, without Redis, and prints a result
// per URL in input order, then a metrics summary.
func runCrawl(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("crawler crawl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON lines instead of a table")
	method := fs.String("method", "auto", crawler.MethodNames())
	selector := fs.String("selector", "", "CSS selector of the result items to rank")
	match := fs.String("match", "", "text or link the ranked item contains")
	concurrency := fs.Int("concurrency", 4, "URLs crawled at once")
	allowPrivate := fs.Bool("allow-private", false, "allow private, loopback and link-local targets (CRAWL_ALLOW_PRIVATE)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crawler crawl [flags] URL...")
		fs.PrintDefaults()
	}
	urls, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	m := crawler.Method(*method)
	switch {
	case len(urls) == 0:
		fmt.Fprintln(stderr, "crawler crawl: give at least one URL")
		return errUsage
	case !m.Valid():
		fmt.Fprintf(stderr, "crawler crawl: --method=%q: valid are %s\n", *method, crawler.MethodNames())
		return errUsage
	case *concurrency < 1:
		fmt.Fprintln(stderr, "crawler crawl: --concurrency must be at least 1")
		return errUsage
	case (*selector == "") != (*match == ""):
		fmt.Fprintln(stderr, "crawler crawl: --selector and --match go together")
		return errUsage
	}
	var spec *crawler.RankSpec
	if *selector != "" {
		if _, err := rank.Compile(*selector, *match); err != nil {
			fmt.Fprintf(stderr, "crawler crawl: --selector: %v\n", err)
			return errUsage
		}
		spec = &crawler.RankSpec{Selector: *selector, Match: *match}
	}
	cfg, err := config.Load(config.ProcessAll, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "crawler:", err)
		return errUsage
	}
	if *allowPrivate {
		cfg.Fetch.AllowPrivate = true
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.WithoutCancel(ctx)) }()
	p, err := newPipeline(cfg, mp, nil, nil, false) // one process: its own per-host limit
	if err != nil {
		return err
	}
	defer p.Close()
	rec, err := metrics.NewWorker(mp)
	if err != nil {
		return err
	}

	lines := make([]crawlLine, len(urls))
	progress := newProgress(stderr, len(urls), !*asJSON)
	var wg sync.WaitGroup
	sem := make(chan struct{}, *concurrency)
	for i, u := range urls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			lines[i] = crawlOne(ctx, p.Pipeline, rec, crawler.Job{ID: fmt.Sprint(i + 1), URL: u, Method: m, Rank: spec})
			progress.step()
		}()
	}
	wg.Wait()
	progress.done()

	enc := json.NewEncoder(stdout)
	for _, l := range lines {
		if *asJSON {
			if err := enc.Encode(l); err != nil {
				return err
			}
			continue
		}
		printLine(stdout, l)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err == nil {
		printSummary(stdout, &rm, *asJSON)
	}
	failed := 0
	for _, l := range lines {
		if l.Error != nil {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d URLs failed", failed, len(lines))
	}
	return nil
}

func crawlOne(ctx context.Context, p *fetch.Pipeline, rec *metrics.Worker, job crawler.Job) crawlLine {
	line := crawlLine{URL: crawler.RedactURL(job.URL)}
	start := time.Now()
	res, method, err := p.Run(ctx, job)
	seconds := time.Since(start).Seconds()
	if err != nil {
		t := crawler.TypeOf(err)
		rec.JobDone(ctx, seconds, method, t, false)
		line.Error = &crawler.JobError{Type: t, Message: err.Error()}
		return line
	}
	rec.JobDone(ctx, seconds, method, "", true)
	res.FinalURL = crawler.RedactURL(res.FinalURL) // printed output follows the log rule: no query strings
	line.Result = &res
	return line
}

func printLine(w io.Writer, l crawlLine) {
	if l.Error != nil {
		fmt.Fprintf(w, "FAIL %-10s %s: %s\n", l.Error.Type, l.URL, l.Error.Message)
		return
	}
	r := l.Result
	rk := "-"
	if r.Rank != nil {
		rk = fmt.Sprint(*r.Rank)
	}
	fmt.Fprintf(w, "OK   %3d %-7s rank=%-3s %6dms %8dB %s %q\n", r.Status, r.Method, rk, r.DurationMS, r.Bytes, l.URL, r.Title)
}

// printSummary prints the jobs by status and method and the errors by type,
// from the same instruments the service records.
func printSummary(w io.Writer, rm *metricdata.ResourceMetrics, asJSON bool) {
	jobs := map[string]uint64{}
	var seconds float64
	errs := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				if m.Name != metrics.JobDuration.Name {
					continue
				}
				for _, dp := range d.DataPoints {
					if dp.Count == 0 {
						continue // series start at zero: only what happened
					}
					s, _ := dp.Attributes.Value(metrics.AttrStatus)
					me, _ := dp.Attributes.Value(metrics.AttrMethod)
					jobs[s.AsString()+"/"+me.AsString()] += dp.Count
					seconds += dp.Sum
				}
			case metricdata.Sum[int64]:
				if m.Name != metrics.WorkerErrors.Name {
					continue
				}
				for _, dp := range d.DataPoints {
					if dp.Value == 0 {
						continue
					}
					t, _ := dp.Attributes.Value(metrics.AttrErrorType)
					errs[t.AsString()] += dp.Value
				}
			}
		}
	}
	if asJSON {
		_ = json.NewEncoder(w).Encode(map[string]any{"summary": map[string]any{"jobs": jobs, "errors": errs, "seconds": seconds}})
		return
	}
	fmt.Fprintf(w, "\njobs: %s; errors: %s; %.2fs of fetching\n", kv(jobs), kv(errs), seconds)
}

func kv[V uint64 | int64](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// progress draws a bar on a terminal and nothing elsewhere.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	n, of int
	on    bool
}

func newProgress(w io.Writer, of int, want bool) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, of: of, on: want && ok && isTerminal(f)}
}

func (p *progress) step() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if p.on {
		const width = 30
		done := p.n * width / p.of
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", done), strings.Repeat(" ", width-done), p.n, p.of)
	}
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
