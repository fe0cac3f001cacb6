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

// jobSpec is what to crawl and how: a job, or a schedule's job.
type jobSpec struct {
	URL    string            `json:"url"`
	Method crawler.Method    `json:"method"`
	Rank   *crawler.RankSpec `json:"rank"`
}

// validate checks the spec against policy, filling in the default method,
// and files reasons under prefix ("", "jobs[3].", "job.").
func (j *jobSpec) validate(policy netguard.Policy, prefix string, fe *fieldErrors) {
	if j.URL == "" {
		fe.add(prefix+"url", "required")
	} else if _, err := policy.ValidateURL(j.URL); err != nil {
		fe.add(prefix+"url", "%s", reason(err))
	}
	if j.Method == "" {
		j.Method = crawler.MethodAuto
	}
	if !j.Method.Valid() {
		fe.add(prefix+"method", "must be %s", crawler.MethodNames())
	}
	if j.Rank == nil {
		return
	}
	if err := rank.ValidateSelector(j.Rank.Selector); err != nil {
		fe.add(prefix+"rank.selector", "%s", reason(err))
	}
	switch {
	case j.Rank.Match == "":
		fe.add(prefix+"rank.match", "required: the text or link the ranked item must contain")
	case len(j.Rank.Match) > maxMatchLength:
		fe.add(prefix+"rank.match", "longer than %d bytes", maxMatchLength)
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

func (j *jobInput) validate(policy netguard.Policy, prefix string, fe *fieldErrors) {
	spec := jobSpec{URL: j.URL, Method: j.Method, Rank: j.Rank}
	spec.validate(policy, prefix, fe)
	j.Method = spec.Method
	switch {
	case len(j.IdempotencyKey) > maxKeyLength:
		fe.add(prefix+"idempotency_key", "longer than %d bytes", maxKeyLength)
	case strings.ContainsFunc(j.IdempotencyKey, func(r rune) bool { return !unicode.IsPrint(r) }):
		fe.add(prefix+"idempotency_key", "must be printable text")
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
