package browser

import (
	"sync"

	"github.com/crawler-service/crawler/internal/crawler"
)

// watch counts what the page receives, decoded, as Chromium's DevTools
// reports it chunk by chunk. The proxy counts plain HTTP decoded, but sees
// a tunnel's bytes only encrypted, and so compressed: a gzip bomb served
// over https is cut here instead, once its output passes the budget,
// within a few chunks. It costs a DevTools session per page, and the
// page's network events cross to the driver as they happen.
func (j *jobState) watch() error {
	cdp, err := j.bctx.NewCDPSession(j.page)
	if err != nil {
		return err
	}
	m := &pageMeter{j: j, docs: make(map[string]int64)}
	// Handlers run on playwright-go's dispatch goroutine, one event at a
	// time, and must not call back into Playwright.
	cdp.On("Network.requestWillBeSent", m.requestWillBeSent)
	cdp.On("Network.dataReceived", m.dataReceived)
	// Buffers of 0: this session never asks for a body, so Chromium need
	// not keep one for it.
	_, err = cdp.Send("Network.enable", map[string]any{"maxTotalBufferSize": 0, "maxResourceBufferSize": 0})
	return err
}

// pageMeter is a page's decoded bytes: in all, and per document.
type pageMeter struct {
	j *jobState

	mu    sync.Mutex
	total int64
	docs  map[string]int64 // by request ID
}

func (m *pageMeter) requestWillBeSent(ev map[string]any) {
	if ev["type"] != "Document" {
		return
	}
	id, _ := ev["requestId"].(string)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.docs[id]; !ok && len(m.docs) < maxRefusals {
		m.docs[id] = 0
	}
}

func (m *pageMeter) dataReceived(ev map[string]any) {
	n, _ := ev["dataLength"].(float64)
	id, _ := ev["requestId"].(string)
	cfg := m.j.f.cfg
	m.mu.Lock()
	m.total += int64(n)
	total := m.total
	doc, isDoc := m.docs[id]
	if isDoc {
		doc += int64(n)
		m.docs[id] = doc
	}
	m.mu.Unlock()
	switch {
	case isDoc && doc > cfg.MaxBytes:
		m.j.exceed(crawler.Errorf(crawler.ErrTooLarge, "browser: a document of the page is more than %d bytes: %w", cfg.MaxBytes, ErrOverBudget))
	case total > cfg.MaxPageBytes:
		m.j.exceed(crawler.Errorf(crawler.ErrTooLarge, "browser: the page loaded more than %d bytes: %w", cfg.MaxPageBytes, ErrOverBudget))
	}
}
