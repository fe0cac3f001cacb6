package browser

import (
	"context"
	"errors"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/rank"
)

// openPage opens a job's page on inst, with its handlers and routes.
func (f *Fetcher) openPage(ctx context.Context, inst *instance, target *url.URL) (playwright.Page, *jobState, error) {
	pg, err := inst.bctx.NewPage()
	if err != nil {
		return nil, nil, f.openError(inst, "open page", target, err)
	}
	f.m.open.Add(context.Background(), 1)
	j := newJobState(ctx, f, pg)
	pg.OnCrash(func(playwright.Page) {
		j.crashed.Store(true)
		f.lose(inst, ReasonRenderer)
	})
	pg.OnPopup(func(p playwright.Page) { _ = p.Close() })
	pg.OnRequestFailed(j.trackNav)
	inst.jobs.Store(pg, j)
	return pg, j, nil
}

func (f *Fetcher) closePage(inst *instance, pg playwright.Page) {
	_ = pg.Close()
	inst.jobs.Delete(pg)
	f.m.open.Add(context.Background(), -1)
}

// render loads target in the job's page and fills page.
func (f *Fetcher) render(ctx context.Context, inst *instance, pg playwright.Page, j *jobState, target *url.URL, spec *crawler.RankSpec, page *Page) error {
	// Playwright calls take no context: closing the page is what ends one
	// early, when the caller gives up before the job's timeout.
	stop := context.AfterFunc(ctx, func() { _ = pg.Close() })
	defer stop()

	resp, err := pg.Goto(target.String(), playwright.PageGotoOptions{
		WaitUntil: f.waitState(),
		Timeout:   playwright.Float(remaining(ctx)),
	})
	if err != nil {
		if code, final := j.failedStatus(err); code != 0 {
			page.Status, page.FinalURL = code, final.String()
			return statusError(code, final)
		}
		return j.failure(ctx, inst, "load", target, err)
	}
	if resp == nil {
		return crawler.Errorf(crawler.ErrBrowser, "browser: load %s: no response", crawler.Redact(target))
	}
	page.Status = resp.Status()
	final, err := url.Parse(resp.URL())
	if err != nil {
		final = target
	}
	page.FinalURL = final.String()
	headers := resp.Headers()
	if t := headers[strings.ToLower(proxyErrorHeader)]; t != "" {
		page.Status = 0 // the proxy's answer, not the target's
		return proxyRefusal(inst.proxy, resp, t, final)
	}
	if page.Status < 200 || page.Status > 299 {
		return statusError(page.Status, final)
	}
	page.ContentType = headers["content-type"]
	if !isHTML(page.ContentType) {
		// A PDF, an image, a text file: a success with no title and no
		// rank, as the HTTP fetcher reports it. Its body is not read.
		page.Bytes, _ = strconv.ParseInt(headers["content-length"], 10, 64)
		return nil
	}
	if f.cfg.WaitUntil == WaitSelector && spec != nil {
		if err := f.waitSelector(ctx, pg, spec.Selector); err != nil {
			return j.failure(ctx, inst, "wait for selector on", final, err)
		}
	}
	content, err := pg.Content()
	if err != nil {
		return j.failure(ctx, inst, "read", final, err)
	}
	if int64(len(content)) > f.cfg.MaxBytes {
		return crawler.Errorf(crawler.ErrTooLarge, "browser: %s: rendered page is %d bytes, more than %d",
			crawler.Redact(final), len(content), f.cfg.MaxBytes)
	}
	page.HTML = true
	page.Bytes = int64(len(content))
	got, err := rank.Extract([]byte(content), final, spec)
	if err != nil {
		return err
	}
	page.Title, page.Rank, page.Items = got.Title, got.Rank, got.Items
	return nil
}

// waitSelector waits, after load, for the rank selector to match. A page
// where it never matches is not an error: it is read as it is, and has no
// rank.
func (f *Fetcher) waitSelector(ctx context.Context, pg playwright.Page, selector string) error {
	wait := min(ms(f.cfg.SelectorWait), remaining(ctx))
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
// milliseconds; at least 1, since 0 means no timeout to Playwright.
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
