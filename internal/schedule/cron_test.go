package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/schedule"
)

func TestParseCron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec    string
		wantErr string // part of the error; empty when valid
	}{
		{"*/10 * * * *", ""},
		{"0 3 * * 1-5", ""},
		{"@hourly", ""},
		{"@daily", ""},
		{"@every 15m", ""},
		{"CRON_TZ=Europe/Paris 0 9 * * *", ""},
		{"", "empty"},
		{"   ", "empty"},
		{"* * * *", "expected exactly 5 fields"},
		{"0 0 * * * *", "expected exactly 5 fields"}, // no seconds field in the standard dialect
		{"61 * * * *", "above maximum"},
		{"@fortnightly", "unrecognized descriptor"},
		{"@every 10s", "at least 1m"},
		{"@every soon", "failed to parse duration"},
		{"0 0 30 2 *", "never fires"},
		{"TZ=", "malformed"}, // robfig/cron panics on this one
		{"CRON_TZ=Mars/Olympus 0 9 * * *", "bad location"},
		{strings.Repeat("1,", 200) + "1 * * * *", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			_, err := schedule.ParseCron(tt.spec)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseCron(%q) = %v, want valid", tt.spec, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseCron(%q) = %v, want error containing %q", tt.spec, err, tt.wantErr)
			}
		})
	}
}

func TestCronNext(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("tzdata: %v", err)
	}
	base := time.Date(2026, 3, 10, 10, 7, 30, 0, time.UTC)
	tests := []struct {
		spec string
		from time.Time
		want time.Time
	}{
		{"*/10 * * * *", base, time.Date(2026, 3, 10, 10, 10, 0, 0, time.UTC)},
		{"*/10 * * * *", time.Date(2026, 3, 10, 10, 10, 0, 0, time.UTC), time.Date(2026, 3, 10, 10, 20, 0, 0, time.UTC)},
		// A zone-less spec is UTC even when asked with a local time.
		{"0 12 * * *", base.In(paris), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)},
		{"CRON_TZ=Europe/Paris 0 12 * * *", base, time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)},
		// @every is aligned to the epoch, not to whenever the caller started.
		{"@every 15m", base, time.Date(2026, 3, 10, 10, 15, 0, 0, time.UTC)},
		{"@every 15m", time.Date(2026, 3, 10, 10, 15, 0, 0, time.UTC), time.Date(2026, 3, 10, 10, 30, 0, 0, time.UTC)},
		{"@hourly", base, time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.spec+"@"+tt.from.Format(time.TimeOnly), func(t *testing.T) {
			t.Parallel()
			c, err := schedule.ParseCron(tt.spec)
			if err != nil {
				t.Fatalf("ParseCron: %v", err)
			}
			if got := c.Next(tt.from); !got.Equal(tt.want) {
				t.Fatalf("Next(%s) = %s, want %s", tt.from, got, tt.want)
			}
		})
	}
	if got := (schedule.Cron{}).Next(base); !got.IsZero() {
		t.Errorf("zero Cron fires at %s, want never", got)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := schedule.Schedule{Name: "daily-ranks_v1.2", Cron: "@daily", Job: schedule.Job{URL: "https://example.com", Method: "auto"}}
	tests := []struct {
		name      string
		edit      func(*schedule.Schedule)
		wantField string // empty when valid
	}{
		{"valid", func(*schedule.Schedule) {}, ""},
		{"default cron", func(s *schedule.Schedule) { s.Cron = "" }, ""},
		{"empty name", func(s *schedule.Schedule) { s.Name = "" }, "name"},
		{"long name", func(s *schedule.Schedule) { s.Name = strings.Repeat("a", 65) }, "name"},
		{"max name", func(s *schedule.Schedule) { s.Name = strings.Repeat("a", 64) }, ""},
		{"name with colon", func(s *schedule.Schedule) { s.Name = "a:b" }, "name"},
		{"name with slash", func(s *schedule.Schedule) { s.Name = "a/b" }, "name"},
		{"name with space", func(s *schedule.Schedule) { s.Name = "a b" }, "name"},
		{"unicode name", func(s *schedule.Schedule) { s.Name = "café" }, "name"},
		{"bad cron", func(s *schedule.Schedule) { s.Cron = "every day" }, "cron"},
		{"no url", func(s *schedule.Schedule) { s.Job.URL = "" }, "job.url"},
		{"bad method", func(s *schedule.Schedule) { s.Job.Method = "curl" }, "job.method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := ok
			tt.edit(&s)
			err := s.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ie *schedule.InvalidError
			if !errors.As(err, &ie) || !errors.Is(err, schedule.ErrInvalid) || ie.Field != tt.wantField || ie.Reason == "" {
				t.Fatalf("Validate() = %#v, want an InvalidError on %s", err, tt.wantField)
			}
		})
	}
}

// FuzzParseCron checks that no expression panics, and that an accepted one
// yields fire times that move forward.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"*/10 * * * *", "@every 1h", "TZ=", "CRON_TZ=UTC 0 0 * * *", "0 0 30 2 *", "1-5/2 * * * MON"} {
		f.Add(s)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		c, err := schedule.ParseCron(spec)
		if err != nil {
			return
		}
		next := c.Next(from)
		if !next.After(from) {
			t.Fatalf("ParseCron(%q): Next(%s) = %s, not after", spec, from, next)
		}
	})
}
