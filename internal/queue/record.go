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
}
