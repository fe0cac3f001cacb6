package schedule

import (
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
)

// MaxNameLength bounds a schedule name; names appear in Redis keys and in
// every job the schedule enqueues.
const MaxNameLength = 64

// Schedule enqueues Job at every fire of Cron.
type Schedule struct {
	Name string `json:"name"`
	// Cron is empty for schedules that follow the scheduler's default
	// (SCHEDULER_CRON); it is stored empty so changing the default moves
	// them all.
	Cron    string    `json:"cron"`
	Job     Job       `json:"job"`
	Created time.Time `json:"created"`
	// Paused schedules do not fire; only SetPaused changes it, so
	// creating, listing or reading a schedule never pauses or resumes it.
	Paused bool `json:"paused"`
	// Resumed is when the schedule was last resumed, zero if never. Fires
	// at or before it were missed while paused and never run. It is stored
	// with the schedule but is not part of its JSON.
	Resumed time.Time `json:"-"`
}

// CrawlJob is the job a fire of s enqueues, and a manual trigger too: its
// Schedule field files the job's end under s's results.
func (s Schedule) CrawlJob() crawler.Job {
	return crawler.Job{URL: s.Job.URL, Method: s.Job.Method, Rank: s.Job.Rank, Schedule: s.Name}
}

// Job is what each fire enqueues.
type Job struct {
	URL    string            `json:"url"`
	Method crawler.Method    `json:"method"`
	Rank   *crawler.RankSpec `json:"rank,omitempty"`
}

// Validate checks what the store can check on its own: the name, the cron
// expression and the job's shape. Whether the URL may be crawled is the
// API's policy, checked before a schedule reaches the store.
func (s Schedule) Validate() error {
	if err := ValidateName(s.Name); err != nil {
		return err
	}
	if err := ValidateCron(s.Cron); err != nil {
		return err
	}
	if s.Job.URL == "" {
		return invalid("job.url", "required")
	}
	if !s.Job.Method.Valid() {
		return invalid("job.method", "must be %s", crawler.MethodNames())
	}
	return nil
}

// ValidateName accepts 1 to MaxNameLength characters of [a-zA-Z0-9_.-].
func ValidateName(name string) error {
	if name == "" {
		return invalid("name", "required")
	}
	if len(name) > MaxNameLength {
		return invalid("name", "longer than %d characters", MaxNameLength)
	}
	if name == "." || name == ".." {
		// Its address, /v1/schedules/. or /v1/schedules/.., is a path
		// segment that clients and routers resolve away.
		return invalid("name", "may not be %q: /v1/schedules/%s is a relative path, so the schedule could not be reached", name, name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-'
		if !ok {
			return invalid("name", "may hold only letters, digits, '_', '.' and '-'")
		}
	}
	return nil
}

// ValidateCron accepts the empty string (the scheduler's default) and
// anything ParseCron accepts.
func ValidateCron(spec string) error {
	if spec == "" {
		return nil
	}
	if _, err := ParseCron(spec); err != nil {
		return invalid("cron", "%v", err)
	}
	return nil
}
