package browser

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/fetch"
	"github.com/crawler-service/crawler/internal/jobtrace"
)

// openJob opens a job's browser context on inst, with a session of the
// guard proxy as its proxy, the route, and a page. A context per job, not
// one shared by all, is what gives each job's traffic its own proxy
// address (its budget, its upstream) and keeps one job's cookies from the
// next. onOver cancels the job.
func (f *Fetcher) openJob(ctx context.Context, inst *instance, req fetch.Request, onOver func(error)) (_ *jobState, err error) {
	j := &jobState{f: f, ctx: ctx, onOver: onOver, hosts: make(map[string]error), refused: make(map[string]error)}
	if j.sess, err = inst.proxy.newSession(req.Proxy, j.exceed); err != nil {
		return nil, crawler.Errorf(crawler.ErrBrowser, "browser: open page for %s: %w", crawler.Redact(req.URL), err)
	}
	defer func() {
		if err != nil {
			f.closeJob(j)
		}
	}()
	opts := playwright.BrowserNewContextOptions{
		// A download must end the job, not fill a temporary directory.
		AcceptDownloads: playwright.Bool(false),
		// Service workers' requests pass no route.
		ServiceWorkers: playwright.ServiceWorkerPolicyBlock,
		// The session shows its own certificate in the https tunnels it
		// intercepts, having verified the target's (intercept.go).
		IgnoreHttpsErrors: playwright.Bool(true),
		// The context answers the session's 407 with its credentials.
		Proxy: &playwright.Proxy{Server: "http://" + j.sess.addr(),
			Username: playwright.String(sessionUser), Password: playwright.String(j.sess.secret)},
	}
	if f.cfg.UserAgent != "" {
		opts.UserAgent = playwright.String(f.cfg.UserAgent)
	}
	if j.bctx, err = inst.browser.NewContext(opts); err != nil {
		return nil, f.openError(inst, "open context", req.URL, err)
	}
	if err := j.bctx.Route("**/*", j.route); err != nil {
		return nil, f.openError(inst, "route", req.URL, err)
	}
	pg, err := j.bctx.NewPage()
	if err != nil {
		return nil, f.openError(inst, "open page", req.URL, err)
	}
	j.setPage(pg)
	f.m.PageOpened(context.Background())
	pg.OnCrash(func(playwright.Page) {
		j.crashed.Store(true)
		f.lose(inst, ReasonRenderer)
	})
	pg.OnPopup(func(p playwright.Page) { _ = p.Close() })
	pg.OnRequestFailed(j.trackNav)
	if err := j.watch(); err != nil {
		return nil, f.openError(inst, "watch page", req.URL, err)
	}
	return j, nil
}

// closeJob closes the job's context, with its page, then its proxy
// session, which cuts whatever Chromium still had open.
func (f *Fetcher) closeJob(j *jobState) {
	if j.bctx != nil {
		_ = j.bctx.Close()
	}
	if j.page != nil {
		f.m.PageClosed(context.Background())
	}
	j.sess.close()
}

// render loads req.URL in the job's page and reads it. On an HTTP status
// error the page still carries FinalURL and Status.
func (f *Fetcher) render(ctx context.Context, inst *instance, j *jobState, req fetch.Request) (*fetch.Page, error) {
	// Playwright calls take no context: closing the job's browser context
	// is what ends one early, when the caller gives up or the job goes
	// over budget. Closing the page would wait on a renderer stuck laying
	// out what it was sent, at times until the job's deadline; disposing
	// of the context does not wait for it.
	stop := context.AfterFunc(ctx, func() { _ = j.bctx.Close() })
	defer stop()
	page := &fetch.Page{FinalURL: req.URL}
	// The load, to the wait strategy's state, is a span of its own.
	_, load := jobtrace.Start(ctx, "browser load")
	resp, err := j.page.Goto(req.URL.String(), playwright.PageGotoOptions{
		WaitUntil: f.waitState(),
		Timeout:   playwright.Float(remaining(ctx)),
	})
	if err != nil {
		if code, final := j.failedStatus(err); code != 0 {
			page.Status, page.FinalURL = code, final
			err = statusError(code, final)
		} else {
			err = j.failure(ctx, inst, "load", req.URL, err)
		}
		jobtrace.End(load, err)
		return page, err
	}
	jobtrace.End(load, nil)
	if resp == nil {
		return page, crawler.Errorf(crawler.ErrBrowser, "browser: load %s: no response", crawler.Redact(req.URL))
	}
	page.Status = resp.Status()
	if final, err := url.Parse(resp.URL()); err == nil {
		page.FinalURL = final
	}
	headers := resp.Headers()
	if t := headers[strings.ToLower(proxyErrorHeader)]; t != "" {
		page.Status = 0 // the proxy's answer, not the target's
		return page, j.proxyRefusal(resp, t, page.FinalURL)
	}
	if page.Status < 200 || page.Status > 299 {
		return page, statusError(page.Status, page.FinalURL)
	}
	page.ContentType = headers["content-type"]
	if !isHTML(page.ContentType) {
		// A PDF, an image, a text file: a success with no title and no
		// rank, as the HTTP fetcher reports it. Its body is not read.
		page.Bytes, _ = strconv.ParseInt(headers["content-length"], 10, 64)
		return page, nil
	}
	if f.cfg.WaitUntil == WaitSelector && req.Selector != "" {
		_, wait := jobtrace.Start(ctx, "browser wait")
		if err := f.waitSelector(ctx, j.page, req.Selector); err != nil {
			err = j.failure(ctx, inst, "wait for selector on", page.FinalURL, err)
			jobtrace.End(wait, err)
			return page, err
		}
		jobtrace.End(wait, nil)
	}
	// Where the main frame is now: a script, a meta refresh or a late
	// redirect may have taken it elsewhere since the response above.
	if err := j.landed(page.FinalURL); err != nil {
		return page, err
	}
	if u, err := url.Parse(j.page.MainFrame().URL()); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		page.FinalURL = u
	}
	_, read := jobtrace.Start(ctx, "browser read")
	body, err := f.readDOM(j.page)
	if err != nil {
		err = j.failure(ctx, inst, "read", page.FinalURL, err)
	}
	jobtrace.End(read, err)
	if err != nil {
		return page, err
	}
	if int64(len(body)) > f.cfg.MaxBytes {
		return page, crawler.Errorf(crawler.ErrTooLarge, "browser: %s: rendered page is more than %d bytes: %w",
			crawler.Redact(page.FinalURL), f.cfg.MaxBytes, ErrOverBudget)
	}
	page.HTML, page.Body, page.Bytes = true, body, int64(len(body))
	return page, nil
}

// serializeDOM is what Playwright's Page.Content runs, but it measures
// first: a rendered page past the limit answers with its length (UTF-16
// units, never more than its UTF-8 bytes), so a huge DOM, which a script
// can build without loading a byte, never crosses to the driver and here.
const serializeDOM = `max => {
	let s = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "";
	if (document.documentElement) s += document.documentElement.outerHTML;
	return s.length > max ? s.length : s;
}`

// readDOM returns the rendered document, or a too_large error.
func (f *Fetcher) readDOM(pg playwright.Page) ([]byte, error) {
	v, err := pg.Evaluate(serializeDOM, f.cfg.MaxBytes)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case int, int64, float64:
		return nil, crawler.Errorf(crawler.ErrTooLarge, "browser: rendered page is %v characters, more than %d bytes: %w",
			v, f.cfg.MaxBytes, ErrOverBudget)
	}
	return nil, fmt.Errorf("browser: serialize the page: got %T", v)
}

// waitSelector waits, after load, for the rank selector to match. A page
// where it never matches is not an error: it is read as it is, and has no
// rank.
func (f *Fetcher) waitSelector(ctx context.Context, pg playwright.Page, selector string) error {
	wait := min(ms(f.cfg.SelectorWait), remaining(ctx))
	if wait <= 0 {
		wait = ms(f.cfg.SelectorWait)
	}
	_, err := pg.WaitForSelector("css="+selector, playwright.PageWaitForSelectorOptions{
		State:   playwright.WaitForSelectorStateAttached,
		Timeout: playwright.Float(wait),
	})
	if errors.Is(err, playwright.ErrTimeout) && ctx.Err() == nil {
		return nil
	}
	return err
}

func (f *Fetcher) waitState() *playwright.WaitUntilState {
	if f.cfg.WaitUntil == WaitNetworkIdle {
		return playwright.WaitUntilStateNetworkidle
	}
	return playwright.WaitUntilStateLoad
}

// remaining is what is left of ctx's deadline, in Playwright's
// milliseconds; at least 1, since 0 means no timeout to Playwright; and 0
// when ctx has no deadline.
func remaining(ctx context.Context) float64 {
	d, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	return max(ms(time.Until(d)), 1)
}

func isHTML(contentType string) bool {
	if contentType == "" {
		return true // Chromium sniffed it, and renders it as a document
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}
