package queue

import "github.com/crawler-service/crawler/internal/crawler"

// record is a job's record, stored as one JSON string so that finishing a
// job writes it with a single SET … PX. The Lua scripts read and write the
// same shape with cjson.
type record struct {
	State    crawler.State     `json:"state"`
	SID      string            `json:"sid,omitempty"` // current stream entry while waiting or active
	Attempts int               `json:"attempts"`      // attempts finished
	Result   *crawler.Result   `json:"result,omitempty"`
	Error    *crawler.JobError `json:"error,omitempty"`
	// Base is the attempts finished before the last operator retry: the
	// job's budget of MaxAttempts counts from it.
	Base int `json:"base,omitempty"`
	// Spec is the job's JSON, kept while the job is failed so that an
	// operator can retry it. It is bounded as the job is.
	Spec     string `json:"spec,omitempty"`
	Schedule string `json:"schedule,omitempty"`
	// Due is, while the job is delayed, its score in the delayed set (Unix
	// ms), which finds its member there for a cancel.
	Due int64 `json:"due,omitempty"`
	// Finished is when the job last completed, was parked or was canceled
	// (Unix ms).
	Finished int64             `json:"finished,omitempty"`
	Operator *crawler.Operator `json:"operator,omitempty"`
}
