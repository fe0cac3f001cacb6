package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crawler-service/crawler/internal/apiclient"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/schedule"
	"github.com/crawler-service/crawler/internal/termtext"
)

// The bodies of apiCommands. Each prints the API's JSON with --json, else
// an aligned table; printed URLs have no query string. Every string the
// API sent goes through cell (or termtext.Line) on its way to a table or
// a sentence: the API, or what answers in its place, may be hostile.

func setupJobsSubmit(fs *flag.FlagSet) apiRun {
	method := fs.String("method", "", "auto, http or browser (the API's default: auto)")
	selector := fs.String("selector", "", "CSS selector of the result items to rank")
	match := fs.String("match", "", "text or link the ranked item contains")
	key := fs.String("idempotency-key", "", "send the job once: the same key again returns the first id (one URL only)")
	return func(ctx context.Context, cl *apiclient.Client, o output, urls []string) error {
		switch {
		case (*selector == "") != (*match == ""):
			return usageError("--selector and --match go together")
		case *key != "" && len(urls) > 1:
			return usageError("--idempotency-key takes one URL")
		}
		var rank *crawler.RankSpec
		if *selector != "" {
			rank = &crawler.RankSpec{Selector: *selector, Match: *match}
		}
		jobs := make([]apiclient.JobRequest, len(urls))
		for i, u := range urls {
			jobs[i] = apiclient.JobRequest{URL: u, Method: crawler.Method(*method), Rank: rank, IdempotencyKey: *key}
		}
		ids, err := cl.SubmitJobs(ctx, jobs)
		if err != nil {
			return err
		}
		if o.json {
			if len(ids) == 1 {
				return printJSON(o, map[string]string{"id": ids[0]})
			}
			return printJSON(o, map[string][]string{"ids": ids})
		}
		tw := newTable(o, "ID", "URL")
		for i, id := range ids {
			row(tw, cell(id), cell(crawler.RedactURL(urls[i])))
		}
		return tw.Flush()
	}
}

// runJobsGet prints every job it finds and fails if any was not found:
// one JSON object a line with --json.
func runJobsGet(ctx context.Context, cl *apiclient.Client, o output, ids []string) error {
	var statuses []apiclient.JobStatus
	var errs []error
	for _, id := range ids {
		s, err := cl.Job(ctx, id)
		if err != nil {
			err = fmt.Errorf("job %s: %w", id, err)
			errs = append(errs, err)
			if !errors.Is(err, apiclient.ErrNotFound) {
				break // the next would fail the same way
			}
			continue
		}
		statuses = append(statuses, s)
	}
	if o.json {
		for _, s := range statuses {
			if err := printJSON(o, s); err != nil {
				return err
			}
		}
	} else if len(statuses) > 0 {
		tw := newTable(o, "ID", "STATE", "ATTEMPTS", "METHOD", "HTTP", "RANK", "TIME", "DETAIL")
		for _, s := range statuses {
			method, status, rank, took, detail := "-", "-", "-", "-", "-"
			if r := s.Result; r != nil {
				method, status, took = cell(string(r.Method)), strconv.Itoa(r.Status), (time.Duration(r.DurationMS) * time.Millisecond).String()
				if r.Rank != nil {
					rank = strconv.Itoa(*r.Rank)
				}
				detail = strconv.Quote(cell(r.Title)) + " " + cell(crawler.RedactURL(r.FinalURL))
			}
			if e := s.Error; e != nil {
				detail = cell(string(e.Type)) + ": " + cell(e.Message)
			}
			row(tw, cell(s.ID), cell(string(s.State)), strconv.Itoa(s.Attempts), method, status, rank, took, detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

func runQueueStats(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
	q, err := cl.Queue(ctx)
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(o, q)
	}
	tw := newTable(o, "WAITING", "ACTIVE", "DELAYED", "FAILED", "WORKERS", "OLDEST WAITING")
	row(tw, itoa(q.Waiting), itoa(q.Active), itoa(q.Delayed), itoa(q.Failed), itoa(q.Workers),
		(time.Duration(q.OldestWaitingAge * float64(time.Second))).Round(time.Millisecond).String())
	return tw.Flush()
}

func runSchedulesList(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
	ss, err := cl.Schedules(ctx)
	if err != nil {
		return err
	}
	if o.json {
		if ss == nil {
			ss = []schedule.Schedule{}
		}
		return printJSON(o, map[string][]schedule.Schedule{"schedules": ss})
	}
	return printSchedules(o, ss)
}

func runSchedulesGet(ctx context.Context, cl *apiclient.Client, o output, args []string) error {
	s, err := cl.Schedule(ctx, args[0])
	if err != nil {
		return scheduleError(args[0], err)
	}
	if o.json {
		return printJSON(o, s)
	}
	return printSchedules(o, []schedule.Schedule{s})
}

// runSchedulesDelete prints nothing with --json: the exit status says it.
func runSchedulesDelete(ctx context.Context, cl *apiclient.Client, o output, args []string) error {
	if err := cl.DeleteSchedule(ctx, args[0]); err != nil {
		return scheduleError(args[0], err)
	}
	if !o.json {
		fmt.Fprintf(o.w, "deleted schedule %s\n", args[0])
	}
	return nil
}

func scheduleError(name string, err error) error {
	if errors.Is(err, apiclient.ErrNotFound) && !noRoute(err) {
		return fmt.Errorf("schedule %s: %w (see crawler schedules list)", name, err)
	}
	return err
}

func printSchedules(o output, ss []schedule.Schedule) error {
	if len(ss) == 0 {
		fmt.Fprintln(o.w, "no schedules")
		return nil
	}
	tw := newTable(o, "NAME", "CRON", "PAUSED", "METHOD", "URL", "RANK", "CREATED")
	for _, s := range ss {
		cron, method, rank, paused := cell(s.Cron), cell(string(s.Job.Method)), "-", "no"
		if cron == "" {
			cron = "(default)"
		}
		if method == "" {
			method = "auto"
		}
		if r := s.Job.Rank; r != nil {
			rank = cell(r.Selector) + " ~ " + cell(r.Match)
		}
		if s.Paused {
			paused = "yes"
		}
		row(tw, cell(s.Name), cron, paused, method, cell(crawler.RedactURL(s.Job.URL)), rank, s.Created.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

// printJSON prints v as one line of JSON. encoding/json escapes C0
// controls but not DEL, C1 controls or bidi characters, and a job is
// printed from the API's own bytes (apiclient.JobStatus), so termtext.JSON
// escapes those: the same values, nothing raw for the terminal.
func printJSON(o output, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.w, "%s\n", termtext.JSON(b))
	return err
}

func newTable(o output, header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(o.w, 0, 0, 2, ' ', 0)
	row(tw, header...)
	return tw
}

func row(tw *tabwriter.Writer, cells ...string) {
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}

// cell makes text from the API one table cell: one line with no control
// or bidi characters (termtext.Line), at most 80 characters.
func cell(s string) string {
	return truncateRunes(termtext.Line(s), 80)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
