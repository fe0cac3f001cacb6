package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// Defaults of Config's zero fields.
const (
	DefaultURL              = "http://127.0.0.1:8080"
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 16 << 20
)

// Config is what a Client needs; a zero field takes its default.
type Config struct {
	URL              string        // the API's base URL; DefaultURL when empty
	Token            string        // bearer token; none sent when empty
	Timeout          time.Duration // per request, connect to last byte; DefaultTimeout when zero
	MaxResponseBytes int64         // answers over this fail with ErrTooLarge; DefaultMaxResponseBytes when zero
	// Operator names who takes the actions (retry, delete, pause...) the
	// client sends; the API records it on what it changed. It is
	// self-declared: the token is shared. Empty: the API's default.
	Operator string
}

// Client sends requests to one API. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	token    string
	operator string
	timeout  time.Duration
	max      int64
	hc       *http.Client
}

// New checks cfg and returns a client for it.
func New(cfg Config) (*Client, error) {
	raw := cfg.URL
	if raw == "" {
		raw = DefaultURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: URL %q: want http:// or https://, a host, an optional path, no credentials or query", ErrInvalidConfig, redactURL(raw))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("%w: negative timeout or size", ErrInvalidConfig)
	}
	c := &Client{base: u, token: cfg.Token, operator: cfg.Operator, timeout: cfg.Timeout, max: cfg.MaxResponseBytes}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.max == 0 {
		c.max = DefaultMaxResponseBytes
	}
	c.hc = &http.Client{
		Transport: &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout:    10 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
			ForceAttemptHTTP2:      true,
		},
		// The API redirects nowhere; following one could carry the token
		// to another host. A 3xx is an unexpected answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// redactURL is raw for an error message: without its credentials, query
// and fragment, which may hold secrets, even when it does not parse.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Opaque == "" {
		return crawler.Redact(u)
	}
	// Unparsable, or opaque as "user:pw@host" is (scheme "user"): cut by
	// hand, and rather too much than too little.
	raw, _, _ = strings.Cut(raw, "#")
	raw, _, _ = strings.Cut(raw, "?")
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		scheme := ""
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			scheme = raw[:j+3]
		}
		raw = scheme + raw[i+1:]
	}
	return raw
}

// URL is the API's base URL, for messages.
func (c *Client) URL() string { return c.base.String() }

// do sends body (JSON; nil for none) to path and decodes a 2xx answer into
// out (nil to ignore it). Errors name the method and path, never the token.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	op := method + " " + path
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, c.transportError(ctx, err))
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, c.max+1))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", op, c.transportError(ctx, err))
	}
	if int64(len(data)) > c.max {
		return fmt.Errorf("%s: %w: over %d bytes", op, ErrTooLarge, c.max)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("%s: %w", op, errorOf(res.StatusCode, data))
	}
	if out == nil || res.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", op, err)
	}
	return nil
}

// transportError marks failures that got no answer as ErrUnreachable; a
// cancelled ctx of the caller stays itself.
func (c *Client) transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: no answer within %s", ErrUnreachable, c.timeout)
	}
	if ctx.Err() != nil {
		return err
	}
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &oe) || errors.As(err, &de) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return err
}

// errorOf reads an error answer: the API's JSON, or the first line of
// anything else (a proxy's page, net/http's 431).
func errorOf(status int, body []byte) *Error {
	var v struct {
		Error *struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil && v.Error != nil {
		return &Error{Status: status, Code: v.Error.Code, Message: v.Error.Message, Fields: v.Error.Fields}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	if r := []rune(line); len(r) > 200 {
		line = string(r[:200]) + "…"
	}
	return &Error{Status: status, Message: strings.ToValidUTF8(line, "?")}
}
