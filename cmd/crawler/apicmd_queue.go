package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawler-service/crawler/internal/apiclient"
	"github.com/crawler-service/crawler/internal/crawler"
)

// maxBulk bounds --limit of retry-failed and purge-failed: the API's
// bound of one request.
const maxBulk = 10_000

func runQueuePause(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
	s, err := cl.PauseQueue(ctx)
	if err != nil {
		return err
	}
	return printQueueState(o, s, "queue paused: workers take no new jobs and finish those they hold")
}

func runQueueResume(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
	s, err := cl.ResumeQueue(ctx)
	if err != nil {
		return err
	}
	return printQueueState(o, s, "queue resumed: workers take jobs again")
}

func printQueueState(o output, s apiclient.QueueState, changed string) error {
	switch {
	case o.json:
		return printJSON(o, s)
	case s.Changed:
		fmt.Fprintln(o.w, changed)
	case s.Paused:
		fmt.Fprintln(o.w, "queue was already paused")
	default:
		fmt.Fprintln(o.w, "queue was not paused")
	}
	return nil
}

// failedFlags adds the flags that choose failed jobs for retry-failed
// and purge-failed.
func failedFlags(fs *flag.FlagSet) func() (apiclient.FailedFilter, error) {
	errType := fs.String("error-type", "", "only failed jobs of this error type, e.g. dns (docs/errors.md)")
	sched := fs.String("schedule", "", "only failed jobs this schedule enqueued")
	limit := fs.Int("limit", maxBulk, "at most this many, oldest first (1 to 10000)")
	return func() (apiclient.FailedFilter, error) {
		if *limit < 1 || *limit > maxBulk {
			return apiclient.FailedFilter{}, usageError(fmt.Sprintf("--limit=%d: want 1 to %d", *limit, maxBulk))
		}
		return apiclient.FailedFilter{ErrorType: crawler.ErrorType(*errType), Schedule: *sched, Limit: *limit}, nil
	}
}

func setupRetryFailed(fs *flag.FlagSet) apiRun {
	filter := failedFlags(fs)
	return func(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
		f, err := filter()
		if err != nil {
			return err
		}
		m, err := cl.RetryFailed(ctx, f)
		if err != nil {
			return err
		}
		if o.json {
			return printJSON(o, m)
		}
		fmt.Fprintf(o.w, "moved %s%s back to waiting; %d still failed%s\n",
			failedJobs(m.Moved), describeFilter(f), m.Remaining, again(m.Remaining, m.Moved))
		if m.Skipped > 0 {
			fmt.Fprintf(o.w, "%s could not be retried: parked by an older version, which kept no job to run (crawler queue purge-failed removes them)\n",
				failedJobs(m.Skipped))
		}
		return nil
	}
}

func setupPurgeFailed(fs *flag.FlagSet) apiRun {
	filter := failedFlags(fs)
	yes := fs.Bool("yes", false, "do not ask: needed when stdin is not a terminal")
	return func(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
		f, err := filter()
		if err != nil {
			return err
		}
		if !*yes {
			if !o.terminal {
				return usageError("deletes failed jobs for good: say --yes to confirm (stdin is not a terminal, so it cannot ask)")
			}
			if !confirm(o, fmt.Sprintf("Delete up to %d failed jobs%s for good?", f.Limit, describeFilter(f))) {
				return errors.New("not confirmed: nothing deleted")
			}
		}
		p, err := cl.PurgeFailed(ctx, f)
		if err != nil {
			return err
		}
		if o.json {
			return printJSON(o, p)
		}
		fmt.Fprintf(o.w, "deleted %s%s; %d still failed%s\n",
			failedJobs(p.Deleted), describeFilter(f), p.Remaining, again(p.Remaining, p.Deleted))
		return nil
	}
}

// confirm asks question on o.errw and reads the answer from o.in: y or
// yes goes ahead; anything else, or no answer (stdin at its end, as
// /dev/null is, which looks like a terminal), does not.
func confirm(o output, question string) bool {
	fmt.Fprintf(o.errw, "%s [y/N] ", question)
	line, err := bufio.NewReader(o.in).ReadString('\n')
	if err != nil {
		fmt.Fprintln(o.errw)
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

// failedJobs is "1 failed job", "3 failed jobs".
func failedJobs(n int64) string {
	if n == 1 {
		return "1 failed job"
	}
	return itoa(n) + " failed jobs"
}

// describeFilter is f's filter for a sentence: " of error type dns from
// schedule daily".
func describeFilter(f apiclient.FailedFilter) string {
	var b strings.Builder
	if f.ErrorType != "" {
		b.WriteString(" of error type " + cell(string(f.ErrorType)))
	}
	if f.Schedule != "" {
		b.WriteString(" from schedule " + cell(f.Schedule))
	}
	return b.String()
}

// again tells to run the command again when one request's bound left
// matching jobs behind.
func again(remaining, done int64) string {
	if remaining > 0 && done > 0 {
		return " (run it again for more)"
	}
	return ""
}

func setupThroughput(fs *flag.FlagSet) apiRun {
	minutes := fs.Int("minutes", 15, "how many minutes back, 1 to 60")
	return func(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
		if *minutes < 1 || *minutes > 60 {
			return usageError(fmt.Sprintf("--minutes=%d: want 1 to 60", *minutes))
		}
		ms, err := cl.Throughput(ctx, *minutes)
		if err != nil {
			return err
		}
		if o.json {
			if ms == nil {
				ms = []apiclient.Minute{}
			}
			return printJSON(o, map[string][]apiclient.Minute{"minutes": ms})
		}
		tw := newTable(o, "MINUTE (UTC)", "COMPLETED", "FAILED")
		for _, m := range ms {
			row(tw, m.Start.UTC().Format("2006-01-02 15:04"), itoa(m.Completed), itoa(m.Failed))
		}
		return tw.Flush()
	}
}

func runWorkers(ctx context.Context, cl *apiclient.Client, o output, _ []string) error {
	ws, err := cl.Workers(ctx)
	if err != nil {
		return err
	}
	if o.json {
		if ws == nil {
			ws = []crawler.WorkerInfo{}
		}
		return printJSON(o, map[string][]crawler.WorkerInfo{"workers": ws})
	}
	return printWorkers(o, ws, time.Now())
}

func printWorkers(o output, ws []crawler.WorkerInfo, now time.Time) error {
	if len(ws) == 0 {
		fmt.Fprintln(o.w, "no live workers")
		return nil
	}
	tw := newTable(o, "ID", "PROCESS", "HOST", "PID", "CONCURRENCY", "IN FLIGHT", "BROWSER", "VERSION", "STARTED", "LAST SEEN")
	for _, w := range ws {
		browser := "no"
		if slices.Contains(w.Methods, crawler.MethodBrowser) {
			browser = "yes"
		}
		row(tw, cell(w.ID), cell(w.Process), cell(w.Host), strconv.Itoa(w.PID), strconv.Itoa(w.Concurrency), strconv.Itoa(w.InFlight),
			browser, cell(w.Version), w.StartedAt.UTC().Format(time.RFC3339), ago(w.LastSeenAt, now))
	}
	return tw.Flush()
}
