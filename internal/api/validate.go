package api

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/netguard"
	"github.com/crawler-service/crawler/internal/rank"
)

// maxFieldErrors bounds the reasons one answer lists: a 10,000-job batch
// of bad URLs gets the first hundred and a count.
const maxFieldErrors = 100

const (
	maxMatchLength = 1024
	maxKeyLength   = 256
)

// fieldErrors collects field-level reasons for one request.
type fieldErrors struct {
	fields map[string]string
	extra  int
}

func (fe *fieldErrors) add(field, format string, args ...any) {
	if fe.fields == nil {
		fe.fields = map[string]string{}
	}
	if len(fe.fields) >= maxFieldErrors {
		fe.extra++
		return
	}
	fe.fields[field] = fmt.Sprintf(format, args...)
}

// err is nil when nothing was added, else a 422 naming every field.
func (fe *fieldErrors) err() error {
	if len(fe.fields) == 0 {
		return nil
	}
	msg := "the request is invalid; see fields"
	if fe.extra > 0 {
		msg = fmt.Sprintf("the request is invalid; see fields (%d more problems not listed)", fe.extra)
	}
	return &Error{Code: codeInvalid, Message: msg, Fields: fe.fields}
}

// checks is one request's validation: the policy its URLs must pass, the
// reasons found so far, and rank's verdict on each distinct selector.
// Compiling a selector can cost milliseconds, and the jobs of a batch most
// often share one, so each is compiled once however many jobs carry it.
type checks struct {
	fieldErrors
	policy    netguard.Policy
	compile   func(selector string) error // rank.ValidateSelector; tests count its calls
	selectors map[string]error
}

func newChecks(policy netguard.Policy) *checks {
	return &checks{policy: policy, compile: rank.ValidateSelector}
}

// selector is rank's verdict on sel, compiled on its first use only.
func (c *checks) selector(sel string) error {
	if err, ok := c.selectors[sel]; ok {
		return err
	}
	if c.selectors == nil {
		c.selectors = make(map[string]error)
	}
	err := c.compile(sel)
	c.selectors[sel] = err
	return err
}

// uncheckedError answers a request whose checks its context cut short:
// the client left, or the answer would come after the write deadline
// (API_WRITE_TIMEOUT) and could not be sent.
func uncheckedError() error {
	return errorf(codeUnavailable, "the server could not check the request in time; send fewer jobs, or fewer distinct selectors, per request")
}

// jobSpec is what to crawl and how: a job, or a schedule's job.
type jobSpec struct {
	URL    string            `json:"url"`
	Method crawler.Method    `json:"method"`
	Rank   *crawler.RankSpec `json:"rank"`
}

// validate checks the spec, filling in the default method, and files
// reasons under prefix ("", "jobs[3].", "job.").
func (j *jobSpec) validate(c *checks, prefix string) {
	if j.URL == "" {
		c.add(prefix+"url", "required")
	} else if _, err := c.policy.ValidateURL(j.URL); err != nil {
		c.add(prefix+"url", "%s", reason(err))
	}
	if j.Method == "" {
		j.Method = crawler.MethodAuto
	}
	if !j.Method.Valid() {
		c.add(prefix+"method", "must be %s", crawler.MethodNames())
	}
	if j.Rank == nil {
		return
	}
	if err := c.selector(j.Rank.Selector); err != nil {
		c.add(prefix+"rank.selector", "%s", reason(err))
	}
	switch {
	case j.Rank.Match == "":
		c.add(prefix+"rank.match", "required: the text or link the ranked item must contain")
	case len(j.Rank.Match) > maxMatchLength:
		c.add(prefix+"rank.match", "longer than %d bytes", maxMatchLength)
	}
}

// jobInput is one job of POST /v1/jobs. It repeats jobSpec's fields
// rather than embedding it, so encoding/json's type errors name the field
// as the client wrote it ("url", not "jobSpec.url").
type jobInput struct {
	URL            string            `json:"url"`
	Method         crawler.Method    `json:"method"`
	Rank           *crawler.RankSpec `json:"rank"`
	IdempotencyKey string            `json:"idempotency_key"`
}

func (j *jobInput) validate(c *checks, prefix string) {
	spec := jobSpec{URL: j.URL, Method: j.Method, Rank: j.Rank}
	spec.validate(c, prefix)
	j.Method = spec.Method
	switch {
	case len(j.IdempotencyKey) > maxKeyLength:
		c.add(prefix+"idempotency_key", "longer than %d bytes", maxKeyLength)
	case strings.ContainsFunc(j.IdempotencyKey, func(r rune) bool { return !unicode.IsPrint(r) }):
		c.add(prefix+"idempotency_key", "must be printable text")
	}
}

// reason is an error as a field reason: the package prefixes and the
// sentinel suffixes mean nothing to a client.
func reason(err error) string {
	msg := err.Error()
	for _, p := range []string{"blocked: ", "parse: ", "netguard: ", "rank: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return strings.TrimSuffix(msg, ": "+netguard.ErrInvalidURL.Error())
}
