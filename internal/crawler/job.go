package crawler

import (
	"slices"
	"strings"
	"time"
)

// Method says how a page is fetched.
type Method string

// The fetch methods. Auto tries plain HTTP first and falls back to the
// browser when HTTP fails with a retryable error or a 403, returns no
// usable HTML or finds no rank match.
const (
	MethodAuto    Method = "auto"
	MethodHTTP    Method = "http"
	MethodBrowser Method = "browser"
)

// Methods is every method a job may ask for, in a stable order: the one
// list that validation, usage text and metric attributes read.
var Methods = []Method{MethodAuto, MethodHTTP, MethodBrowser}

// FetchMethods are the methods that fetch a page themselves, and so the
// ones a result or a metric names (auto is a choice between them).
var FetchMethods = []Method{MethodHTTP, MethodBrowser}

// Valid reports whether m is one of the known methods.
func (m Method) Valid() bool { return slices.Contains(Methods, m) }

// MethodNames lists Methods for a message: "auto, http or browser".
func MethodNames() string {
	names := make([]string, len(Methods))
	for i, m := range Methods {
		names[i] = string(m)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Fetches reports whether m fetches a page itself (not auto).
func (m Method) Fetches() bool { return slices.Contains(FetchMethods, m) }

// RankSpec asks for the 1-based position of the first item chosen by Selector
// whose text or link contains Match.
type RankSpec struct {
	Selector string `json:"selector"`
	Match    string `json:"match"`
}

// Job is one crawl request as it travels through the queue.
type Job struct {
	ID       string    `json:"id"`
	URL      string    `json:"url"`
	Method   Method    `json:"method"`
	Rank     *RankSpec `json:"rank,omitempty"`
	Schedule string    `json:"schedule,omitempty"` // name of the schedule that enqueued it, if any
	Created  time.Time `json:"created"`
	// Trace is the trace context of what enqueued the job (the API request,
	// a schedule's fire), as the configured propagators write it
	// (traceparent, tracestate). Each attempt's span continues it or, with
	// TraceLink, starts a trace of its own that links to it. Empty when
	// tracing is off.
	Trace map[string]string `json:"trace,omitempty"`
	// TraceLink is set on the jobs of a batch: one trace per job, each
	// sampled on its own, rather than one trace holding the whole batch.
	TraceLink bool `json:"trace_link,omitempty"`
}

// Result is what a successful fetch produced.
type Result struct {
	FinalURL   string `json:"final_url"`
	Status     int    `json:"status"`
	Method     Method `json:"method"` // http or browser: the one that produced it
	DurationMS int64  `json:"duration_ms"`
	Title      string `json:"title"`
	Bytes      int64  `json:"bytes"`
	Rank       *int   `json:"rank"` // 1-based, nil when no item matched or no rank was asked
}

// State is where a job is in its life.
type State string

// The job states of the public API.
const (
	StateWaiting   State = "waiting"
	StateActive    State = "active"
	StateDelayed   State = "delayed"
	StateCompleted State = "completed"
	StateFailed    State = "failed"
	// StateCanceled is a job an operator canceled before a worker took it.
	StateCanceled State = "canceled"
)

// Operator is the last action an operator took on a job. The name is
// what the caller declared (the API has one shared token), not a proven
// identity.
type Operator struct {
	Name   string    `json:"name"`
	Action string    `json:"action"` // retry or cancel
	At     time.Time `json:"at"`
}

// JobError is the last error of a job as the API shows it.
type JobError struct {
	Type    ErrorType `json:"type"`
	Message string    `json:"message"`
}

// Status is the public view of a job: GET /v1/jobs/{id}.
type Status struct {
	ID       string    `json:"id"`
	State    State     `json:"state"`
	Attempts int       `json:"attempts"`
	Result   *Result   `json:"result"`
	Error    *JobError `json:"error"`
	// Schedule names the schedule that enqueued the job, if any.
	Schedule string `json:"schedule,omitempty"`
	// Created is when the job was enqueued (read from its id); Finished
	// when it last completed, was parked as failed or was canceled.
	Created  *time.Time `json:"created,omitempty"`
	Finished *time.Time `json:"finished,omitempty"`
	// Operator is the last operator action on the job, if any.
	Operator *Operator `json:"operator,omitempty"`
}

// QueueCounts are the queue's gauges: GET /v1/queue and the metric publisher.
type QueueCounts struct {
	Waiting int64 `json:"waiting"`
	Active  int64 `json:"active"`
	Delayed int64 `json:"delayed"`
	Failed  int64 `json:"failed"`
	// FailedDropped counts, since the queue's keys were made, the failed
	// jobs retention dropped (QUEUE_FAILED_RETENTION, QUEUE_FAILED_MAX).
	FailedDropped    int64   `json:"failed_dropped"`
	Workers          int64   `json:"workers"`
	OldestWaitingAge float64 `json:"oldest_waiting_age_seconds"`
	// Paused is true while an operator holds workers from reading.
	Paused bool `json:"paused"`
}
