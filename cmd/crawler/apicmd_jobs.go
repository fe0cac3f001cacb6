package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawler-service/crawler/internal/apiclient"
	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/queue"
	"github.com/crawler-service/crawler/internal/termtext"
)

// maxListAll bounds jobs list --all: past it the list is a job for
// --json and a script, not a table.
const maxListAll = 100_000

// maxPage is the API's bound on a page of jobs, and --all's page size:
// the fewest round trips.
const maxPage = 1000

// listStates are the states jobs list takes: the API's. Completed and
// canceled jobs are found by id only (crawler jobs get ID).
var listStates = queue.ListableStates

func setupJobsList(fs *flag.FlagSet) apiRun {
	names := make([]string, len(listStates))
	for i, s := range listStates {
		names[i] = string(s)
	}
	state := fs.String("state", "", "the jobs' state (required): "+strings.Join(names, ", "))
	limit := fs.Int("limit", 0, "jobs per page, 1 to 1000 (default: the API's 100; 1000 with --all)")
	cursor := fs.String("cursor", "", "start after this cursor: the one the previous page printed")
	newest := fs.Bool("newest", false, "newest first (default oldest first)")
	errType := fs.String("error-type", "", "only failed jobs of this error type, e.g. dns (docs/errors.md)")
	sched := fs.String("schedule", "", "only failed jobs this schedule enqueued")
	all := fs.Bool("all", false, fmt.Sprintf("follow the cursor to the last page (stops after %d jobs)", maxListAll))
	return func(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
		switch {
		case *state == "":
			return usageError("--state is required: " + strings.Join(names, ", "))
		case crawler.State(*state) == crawler.StateCompleted, crawler.State(*state) == crawler.StateCanceled:
			return usageError(fmt.Sprintf("--state=%s: %s jobs are not listed, only found by id: crawler jobs get ID", *state, *state))
		case !slices.Contains(listStates, crawler.State(*state)):
			return usageError(fmt.Sprintf("--state=%q: want %s", *state, strings.Join(names, ", ")))
		case *limit < 0 || *limit > maxPage:
			return usageError(fmt.Sprintf("--limit=%d: want 1 to %d", *limit, maxPage))
		}
		q := apiclient.ListQuery{State: crawler.State(*state), Cursor: *cursor, Limit: *limit, Newest: *newest,
			ErrorType: crawler.ErrorType(*errType), Schedule: *sched}
		if *all && q.Limit == 0 {
			q.Limit = maxPage
		}
		page, err := listJobs(ctx, cl, q, *all)
		if err != nil {
			return err
		}
		if o.json {
			return printJSON(o, page)
		}
		if err := printJobList(o, page.Jobs, time.Now()); err != nil {
			return err
		}
		if page.NextCursor != "" {
			if *all {
				fmt.Fprintf(o.errw, "stopped after %d jobs; ", len(page.Jobs))
			}
			fmt.Fprintf(o.errw, "more: %s --cursor=%s\n", listCommandLine(q, *all), shellQuote(termtext.Line(page.NextCursor)))
		}
		return nil
	}
}

// listJobs fetches one page, or with all every page up to maxListAll
// jobs; NextCursor is set when more remain.
func listJobs(ctx context.Context, cl *apiclient.Client, q apiclient.ListQuery, all bool) (apiclient.JobPage, error) {
	var out apiclient.JobPage
	for {
		page, err := cl.ListJobs(ctx, q)
		if err != nil {
			return apiclient.JobPage{}, err
		}
		out.Jobs = append(out.Jobs, page.Jobs...)
		out.NextCursor = page.NextCursor
		if !all || page.NextCursor == "" || len(out.Jobs) >= maxListAll {
			break
		}
		if page.NextCursor == q.Cursor {
			return apiclient.JobPage{}, fmt.Errorf("GET /v1/jobs: the API gave back the cursor it was sent (%s): stopping instead of asking forever",
				termtext.Line(q.Cursor))
		}
		q.Cursor = page.NextCursor
		q.Limit = min(q.Limit, maxListAll-len(out.Jobs))
	}
	if out.Jobs == nil {
		out.Jobs = []apiclient.JobStatus{}
	}
	return out, nil
}

// listCommandLine is the command that lists the next page, for a person
// to copy.
func listCommandLine(q apiclient.ListQuery, all bool) string {
	parts := []string{"crawler jobs list --state=" + string(q.State)}
	if q.Limit != 0 && !all {
		parts = append(parts, "--limit="+strconv.Itoa(q.Limit))
	}
	if q.Newest {
		parts = append(parts, "--newest")
	}
	if q.ErrorType != "" {
		parts = append(parts, "--error-type="+shellQuote(string(q.ErrorType)))
	}
	if q.Schedule != "" {
		parts = append(parts, "--schedule="+shellQuote(q.Schedule))
	}
	if all {
		parts = append(parts, "--all")
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.@-/:=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printJobList prints jobs as a table: the error message last, cut to
// 60 characters to keep each job on one line.
func printJobList(o output, jobs []apiclient.JobStatus, now time.Time) error {
	if len(jobs) == 0 {
		fmt.Fprintln(o.w, "no jobs")
		return nil
	}
	tw := newTable(o, "ID", "STATE", "ATTEMPTS", "ERROR", "OPERATOR", "MESSAGE")
	for _, j := range jobs {
		errType, msg := "-", "-"
		if e := j.Error; e != nil {
			errType, msg = cell(string(e.Type)), truncateRunes(cell(e.Message), 59)
		}
		row(tw, cell(j.ID), cell(string(j.State)), strconv.Itoa(j.Attempts), errType, operatorCell(j.Operator, now), msg)
	}
	return tw.Flush()
}

// operatorCell is who last acted on a job: "alice retry 3m ago".
func operatorCell(op *crawler.Operator, now time.Time) string {
	if op == nil {
		return "-"
	}
	return cell(op.Name) + " " + cell(op.Action) + " " + ago(op.At, now)
}

// ago is how long before now t was, to the second: "3s ago", "2h5m ago".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	if d >= time.Hour {
		d = d.Round(time.Minute)
	}
	s := d.String()
	// 2h5m0s reads as 2h5m.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return s + " ago"
}

// jobAction is one of retry, cancel and delete, done to each id in turn.
type jobAction struct {
	verb, done string // "retry", "retried"
	do         func(ctx context.Context, cl *apiclient.Client, id string) (*apiclient.JobStatus, error)
}

var (
	retryAction = jobAction{"retry", "retried", func(ctx context.Context, cl *apiclient.Client, id string) (*apiclient.JobStatus, error) {
		s, err := cl.RetryJob(ctx, id)
		return &s, err
	}}
	cancelAction = jobAction{"cancel", "canceled", func(ctx context.Context, cl *apiclient.Client, id string) (*apiclient.JobStatus, error) {
		s, err := cl.CancelJob(ctx, id)
		return &s, err
	}}
	deleteAction = jobAction{"delete", "deleted", func(ctx context.Context, cl *apiclient.Client, id string) (*apiclient.JobStatus, error) {
		return nil, cl.DeleteJob(ctx, id)
	}}
)

func runJobsRetry(ctx context.Context, cl *apiclient.Client, o output, ids []string) error {
	return retryAction.run(ctx, cl, o, ids)
}

func runJobsCancel(ctx context.Context, cl *apiclient.Client, o output, ids []string) error {
	return cancelAction.run(ctx, cl, o, ids)
}

func runJobsDelete(ctx context.Context, cl *apiclient.Client, o output, ids []string) error {
	return deleteAction.run(ctx, cl, o, ids)
}

// run prints a line per id: on stdout what was done (with --json the
// job as the API answered, nothing for delete), on stderr why not, with
// the API's reason. A failure that is not the job's own (a wrong token,
// an API down) stops it: the next would fail the same way.
func (a jobAction) run(ctx context.Context, cl *apiclient.Client, o output, ids []string) error {
	failed := 0
	for _, id := range ids {
		s, err := a.do(ctx, cl, id)
		if err != nil {
			var e *apiclient.Error
			if !errors.As(err, &e) || noRoute(err) || !ownFailure(e.Status) {
				return fmt.Errorf("job %s: %w", id, err)
			}
			failed++
			fmt.Fprintf(o.errw, "%s: not %s: %s\n", id, a.done, e)
			continue
		}
		switch {
		case o.json && s != nil:
			if err := printJSON(o, s); err != nil {
				return err
			}
		case o.json:
		case s != nil:
			fmt.Fprintf(o.w, "%s: %s (now %s)\n", id, a.done, cell(string(s.State)))
		default:
			fmt.Fprintf(o.w, "%s: %s\n", id, a.done)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d jobs not %s", failed, len(ids), a.done)
	}
	return nil
}

// ownFailure reports whether an error status is about the one job: it
// does not exist, is in the wrong state, or its id is malformed.
func ownFailure(status int) bool {
	return status == http.StatusNotFound || status == http.StatusConflict || status == http.StatusUnprocessableEntity
}
