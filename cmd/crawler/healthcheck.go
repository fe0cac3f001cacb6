package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/termtext"
)

// defaultHealthURL is the metrics listener's default address (METRICS_ADDR
// for every process but api and all).
const defaultHealthURL = "http://127.0.0.1:9464/healthz"

// healthBodyLimit bounds what is read of the answer: enough for a reason.
const healthBodyLimit = 4 << 10

// errUnhealthy marks a health check that failed: exit status 1.
var errUnhealthy = errors.New("unhealthy")

// runHealthcheck GETs the process's /healthz, for container health checks
// in images that have no curl: nil on a 2xx answer, errUnhealthy with the
// reason otherwise. It talks to that URL only: no proxy, no redirect.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("crawler healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 2*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: crawler healthcheck [--timeout=2s] [URL]

GETs URL and exits 0 when it answers 2xx, 1 otherwise, with one line saying why.
URL defaults to $HEALTHCHECK_URL, else %s.

Flags:
`, defaultHealthURL)
		fs.PrintDefaults()
	}
	urls, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if len(urls) > 1 {
		fmt.Fprintf(stderr, "crawler healthcheck: one URL at most, got %d\n", len(urls))
		return errUsage
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "crawler healthcheck: --timeout=%s: want a positive duration\n", *timeout)
		return errUsage
	}
	target := ""
	if len(urls) == 1 {
		target = urls[0]
	}
	if target == "" {
		target = getenv("HEALTHCHECK_URL")
	}
	if target == "" {
		target = defaultHealthURL
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Shown without credentials or query: the output lands in
		// `docker inspect` and in ECS's health reports.
		fmt.Fprintf(stderr, "crawler healthcheck: %s: want an http:// or https:// URL\n", crawler.RedactURL(target))
		return errUsage
	}

	shown := crawler.Redact(u)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	client := &http.Client{
		// Never a proxy from the environment: the check is of this host.
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, MaxResponseHeaderBytes: 16 << 10},
		// A redirect is an answer, not 2xx: follow none.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errUnhealthy, crawler.RedactError(err))
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: no answer from %s within %s", errUnhealthy, shown, *timeout)
		}
		return fmt.Errorf("%w: %v", errUnhealthy, crawler.RedactError(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, healthBodyLimit))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("%s answered %s", shown, termtext.Line(resp.Status))
		if why := reasonOf(body); why != "" {
			msg += ": " + why
		}
		return fmt.Errorf("%w: %s", errUnhealthy, msg)
	}
	fmt.Fprintf(stdout, "healthy: %s answered %s\n", shown, termtext.Line(resp.Status))
	return nil
}

// reasonOf is what a /healthz answer says: the reason of our JSON, the
// message of the API's error JSON, or the first line of anything else,
// made one printable line (whatever answers may be hostile).
func reasonOf(body []byte) string {
	return termtext.Line(rawReason(body))
}

func rawReason(body []byte) string {
	var v struct {
		Reason string `json:"reason"`
		Error  struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil {
		switch {
		case v.Reason != "":
			return v.Reason
		case v.Error.Message != "":
			return v.Error.Message
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return strings.ToValidUTF8(truncateRunes(line, 200), "?")
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
