package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/crawler-service/crawler/internal/apiclient"
	"github.com/crawler-service/crawler/internal/termtext"
)

// apiCommand is one command of the API's client, `crawler GROUP NAME
// ARGS...` (NAME empty: `crawler GROUP ARGS...`). A new route gets its
// command by adding a row to apiCommands.
type apiCommand struct {
	group, name string
	args        string // usage of the arguments, e.g. "ID..."
	summary     string
	min, max    int // number of arguments; max -1: no limit
	// action marks a command that changes something: it takes
	// --operator, and the client sends who acted.
	action bool
	// setup adds the command's own flags, if any, and returns its body.
	setup func(fs *flag.FlagSet) apiRun
}

// apiRun is a command's body: args are checked against min and max.
type apiRun func(ctx context.Context, cl *apiclient.Client, o output, args []string) error

// output is where a command prints, as a table for people or JSON for
// scripts.
type output struct {
	w    io.Writer
	errw io.Writer // notes and per-item failures, apart from the table
	json bool
	// in answers a confirmation prompt; terminal says whether a person
	// types there.
	in       io.Reader
	terminal bool
}

// noFlags is setup for a command with only the common flags.
func noFlags(run apiRun) func(*flag.FlagSet) apiRun {
	return func(*flag.FlagSet) apiRun { return run }
}

// apiCommands is every command that talks to the API, in the order usage
// lists them: the one list run's usage, each group's usage and the
// dispatch read.
var apiCommands = []apiCommand{
	{group: "jobs", name: "submit", args: "URL...", summary: "queue a job per URL and print their ids", min: 1, max: -1, setup: setupJobsSubmit},
	{group: "jobs", name: "get", args: "ID...", summary: "show jobs by id", min: 1, max: -1, setup: noFlags(runJobsGet)},
	{group: "jobs", name: "list", summary: "list the jobs in a state (--state failed), a page at a time or --all", setup: setupJobsList},
	{group: "jobs", name: "retry", args: "ID...", summary: "put failed jobs back in the queue", min: 1, max: -1, action: true, setup: noFlags(runJobsRetry)},
	{group: "jobs", name: "cancel", args: "ID...", summary: "cancel waiting or delayed jobs", min: 1, max: -1, action: true, setup: noFlags(runJobsCancel)},
	{group: "jobs", name: "delete", args: "ID...", summary: "delete failed, completed or canceled jobs", min: 1, max: -1, action: true, setup: noFlags(runJobsDelete)},
	{group: "queue", name: "stats", summary: "show the queue's counts", setup: noFlags(runQueueStats)},
	{group: "queue", name: "pause", summary: "stop workers taking jobs (they finish those they hold)", action: true, setup: noFlags(runQueuePause)},
	{group: "queue", name: "resume", summary: "let workers take jobs again", action: true, setup: noFlags(runQueueResume)},
	{group: "queue", name: "retry-failed", summary: "put the oldest failed jobs back in the queue", action: true, setup: setupRetryFailed},
	{group: "queue", name: "purge-failed", summary: "delete the oldest failed jobs (asks first)", action: true, setup: setupPurgeFailed},
	{group: "queue", name: "throughput", summary: "show jobs completed and failed per minute", setup: setupThroughput},
	{group: "workers", summary: "list the live workers", setup: noFlags(runWorkers)},
	{group: "schedules", name: "list", summary: "list the schedules", setup: noFlags(runSchedulesList)},
	{group: "schedules", name: "get", args: "NAME", summary: "show one schedule", min: 1, max: 1, setup: noFlags(runSchedulesGet)},
	{group: "schedules", name: "pause", args: "NAME", summary: "stop a schedule firing", min: 1, max: 1, action: true, setup: noFlags(runSchedulesPause)},
	{group: "schedules", name: "resume", args: "NAME", summary: "let a schedule fire again (missed fires stay missed)", min: 1, max: 1, action: true, setup: noFlags(runSchedulesResume)},
	{group: "schedules", name: "trigger", args: "NAME", summary: "queue a schedule's job now, paused or not", min: 1, max: 1, action: true, setup: noFlags(runSchedulesTrigger)},
	{group: "schedules", name: "delete", args: "NAME", summary: "delete a schedule and its results", min: 1, max: 1, setup: noFlags(runSchedulesDelete)},
}

// apiGroups are the first words of apiCommands, for run's dispatch.
func apiGroups() []string {
	var gs []string
	for _, c := range apiCommands {
		if !slices.Contains(gs, c.group) {
			gs = append(gs, c.group)
		}
	}
	return gs
}

func (c apiCommand) usageLine() string {
	return strings.Join(strings.Fields(strings.Join([]string{"crawler", c.group, c.name, "[flags]", c.args}, " ")), " ")
}

// runAPICommand runs `crawler GROUP ...`: it finds the command, parses its
// flags and arguments, and makes the client from API_URL and API_TOKEN.
func runAPICommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	group, rest := args[0], args[1:]
	var cmds []apiCommand
	for _, c := range apiCommands {
		if c.group == group {
			cmds = append(cmds, c)
		}
	}
	cmd, ok := apiCommand{}, false
	if len(rest) > 0 {
		for _, c := range cmds {
			if c.name != "" && c.name == rest[0] {
				cmd, ok, rest = c, true, rest[1:]
				break
			}
		}
	}
	if !ok {
		if i := slices.IndexFunc(cmds, func(c apiCommand) bool { return c.name == "" }); i >= 0 {
			cmd, ok = cmds[i], true
		}
	}
	if !ok {
		var names []string
		for _, c := range cmds {
			names = append(names, c.name)
		}
		if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help") {
			printGroupUsage(stderr, cmds)
			return nil
		}
		if len(rest) == 0 {
			fmt.Fprintf(stderr, "crawler %s: name a command: %s\n", group, strings.Join(names, ", "))
		} else {
			fmt.Fprintf(stderr, "crawler %s: unknown command %q: valid are %s\n", group, rest[0], strings.Join(names, ", "))
		}
		printGroupUsage(stderr, cmds)
		return errUsage
	}

	name := strings.TrimSpace("crawler " + cmd.group + " " + cmd.name)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON (the API's) instead of a table")
	timeout := fs.Duration("timeout", apiclient.DefaultTimeout, "give up on a request after this long")
	var operator *string
	if cmd.action {
		operator = fs.String("operator", defaultOperator(getenv), "who takes the action, recorded by the API (self-declared: 1-64 of A-Z a-z 0-9 _ . @ -)")
	}
	body := cmd.setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\n%s.\nTalks to the API at $API_URL (default %s) with $API_TOKEN.\n\nFlags:\n",
			cmd.usageLine(), capitalize(cmd.summary), apiclient.DefaultURL)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	switch {
	case len(pos) < cmd.min, cmd.max >= 0 && len(pos) > cmd.max:
		fmt.Fprintf(stderr, "%s: got %d arguments\nUsage: %s\n", name, len(pos), cmd.usageLine())
		return errUsage
	case *timeout <= 0:
		fmt.Fprintf(stderr, "%s: --timeout=%s: want a positive duration\n", name, *timeout)
		return errUsage
	case operator != nil && !validOperator(*operator):
		fmt.Fprintf(stderr, "%s: --operator=%q: want 1 to 64 of A-Z a-z 0-9 _ . @ -\n", name, *operator)
		return errUsage
	}
	cfg := apiclient.Config{URL: getenv("API_URL"), Token: getenv("API_TOKEN"), Timeout: *timeout}
	if operator != nil {
		cfg.Operator = *operator
	}
	cl, err := apiclient.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "crawler: API_URL: %v\n", err)
		return errUsage
	}
	// Only purge-failed's prompt reads stdin, so run takes no stdin of
	// its own: the prompt asks the process's terminal, if it has one.
	o := output{w: stdout, errw: stderr, json: *asJSON, in: os.Stdin, terminal: isTerminal(os.Stdin)}
	err = body(ctx, cl, o, pos)
	if ue := usageError(""); errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %s\n", name, ue)
		return errUsage
	}
	if err = explain(err, cl, getenv("API_TOKEN") != ""); err != nil {
		return printableError{err}
	}
	return nil
}

// printableError is err with each line of its message made safe for a
// terminal (termtext.Line). apiclient.Error is already, but a decode
// error or a wrapped one may quote what the API sent.
type printableError struct{ err error }

func (e printableError) Error() string {
	lines := strings.Split(e.err.Error(), "\n")
	for i, l := range lines {
		lines[i] = termtext.Line(l)
	}
	return strings.Join(lines, "\n")
}

func (e printableError) Unwrap() error { return e.err }

// usageError is a command-line mistake a command's body finds: printed
// with the command's name, exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) }

// explain adds what to do to the errors a person can fix, and the API's
// address, which the request's own message leaves out.
func explain(err error, cl *apiclient.Client, tokenSet bool) error {
	const token = "set API_TOKEN to the API's token (the one it was given, or printed at start)"
	switch {
	case err == nil:
		return nil
	case errors.Is(err, apiclient.ErrUnauthorized) && !tokenSet:
		return fmt.Errorf("401 from %s: API_TOKEN is not set: %s [%w]", cl.URL(), token, err)
	case errors.Is(err, apiclient.ErrUnauthorized):
		return fmt.Errorf("401 from %s: the API refused the token: %s [%w]", cl.URL(), token, err)
	case errors.Is(err, apiclient.ErrUnreachable):
		return fmt.Errorf("cannot reach the API at %s: is `crawler` (or `crawler --process=api`) running there? set API_URL to its address [%w]", cl.URL(), err)
	case errors.Is(err, apiclient.ErrUnavailable):
		return fmt.Errorf("503 from %s: the API cannot serve now (Redis unreachable or too busy); retry later [%w]", cl.URL(), err)
	case noRoute(err):
		return fmt.Errorf("404 from %s: the API has no route for this command: is it older than this crawler (%s)? [%w]", cl.URL(), version, err)
	}
	return err
}

// noRoute reports whether the API answered that it has no such route, as
// an API older than the command does.
func noRoute(err error) bool {
	var e *apiclient.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound && strings.HasPrefix(e.Message, "no such route")
}

// defaultOperator is who the client says takes an action: $USER when the
// API would take it, else "cli".
func defaultOperator(getenv func(string) string) string {
	if u := getenv("USER"); validOperator(u) {
		return u
	}
	return "cli"
}

// validOperator is the API's rule for an operator's name.
func validOperator(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.@-", r)) {
			return false
		}
	}
	return true
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func printGroupUsage(w io.Writer, cmds []apiCommand) {
	fmt.Fprintln(w, "Usage:")
	writeCommandList(w, cmds)
	fmt.Fprintf(w, "\nEach talks to the API at $API_URL (default %s) with $API_TOKEN;\n--json prints JSON, --timeout bounds each request (default %s);\nthose that change something send --operator (default $USER).\n",
		apiclient.DefaultURL, apiclient.DefaultTimeout)
}

// writeCommandList prints a line per command: its usage and summary.
func writeCommandList(w io.Writer, cmds []apiCommand) {
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-40s %s\n", c.usageLine(), c.summary)
	}
}
