package browser

import (
	"errors"

	"github.com/crawler-service/crawler/internal/fetch"
)

var (
	// ErrDriverMissing: the Playwright driver is not installed where
	// Config.DriverPath points. Type browser; the message names
	// scripts/install-browser.sh.
	ErrDriverMissing = errors.New("playwright driver not installed")
	// ErrChromiumMissing: no Chromium at Config.ExecutablePath. Type
	// browser; the message names scripts/install-browser.sh.
	ErrChromiumMissing = errors.New("chromium not installed")
	// ErrClosed: Fetch after Close. Type browser.
	ErrClosed = errors.New("browser fetcher closed")
	// ErrCrashed: the page's renderer crashed; the browser is relaunched
	// for the next job. Type browser.
	ErrCrashed = errors.New("renderer crashed")
	// ErrDisconnected: the browser went away under the job (killed, out of
	// memory); it is relaunched for the next job. Type browser.
	ErrDisconnected = errors.New("browser disconnected")
	// ErrDownload: the URL answers with a download (Content-Disposition:
	// attachment), not a page. Type parse, so it is not retried.
	ErrDownload = errors.New("response is a download, not a page")
	// ErrOverBudget: the page loaded more than Config.MaxBytes in one
	// document, or more than Config.MaxPageBytes in all. Type too_large.
	ErrOverBudget = errors.New("page over its byte budget")
	// ErrEncoding: a response came compressed in a way the proxy did not
	// offer and cannot count. Type parse. It is fetch.ErrEncoding.
	ErrEncoding = fetch.ErrEncoding
	// ErrInvalidConfig: New was given a Config it cannot use.
	ErrInvalidConfig = errors.New("invalid browser config")
)
