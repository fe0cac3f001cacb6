package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/crawler-service/crawler/internal/apiclient"
)

// apiCommand is one command of the API's client, `crawler GROUP NAME
// ARGS...` (NAME empty: `crawler GROUP ARGS...`). A new route gets its
// command by adding a row to apiCommands.
type apiCommand struct {
	group, name string
	args        string // usage of the arguments, e.g. "ID..."
	summary     string
	min, max    int // number of arguments; max -1: no limit
	// setup adds the command's own flags, if any, and returns its body.
	setup func(fs *flag.FlagSet) apiRun
}

// apiRun is a command's body: args are checked against min and max.
type apiRun func(ctx context.Context, cl *apiclient.Client, o output, args []string) error

// output is where a command prints, as a table for people or JSON for
// scripts.
type output struct {
	w    io.Writer
	json bool
}

// noFlags is setup for a command with only the common flags.
func noFlags(run apiRun) func(*flag.FlagSet) apiRun {
	return func(*flag.FlagSet) apiRun { return run }
}

// apiCommands is every command that talks to the API, in the order usage
// lists them.
var apiCommands = []apiCommand{
	{group: "jobs", name: "submit", args: "URL...", summary: "queue a job per URL and print their ids", min: 1, max: -1, setup: setupJobsSubmit},
	{group: "jobs", name: "get", args: "ID...", summary: "show jobs by id", min: 1, max: -1, setup: noFlags(runJobsGet)},
	{group: "queue", name: "stats", summary: "show the queue's counts", setup: noFlags(runQueueStats)},
	{group: "schedules", name: "list", summary: "list the schedules", setup: noFlags(runSchedulesList)},
	{group: "schedules", name: "get", args: "NAME", summary: "show one schedule", min: 1, max: 1, setup: noFlags(runSchedulesGet)},
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
	}
	cl, err := apiclient.New(apiclient.Config{URL: getenv("API_URL"), Token: getenv("API_TOKEN"), Timeout: *timeout})
	if err != nil {
		fmt.Fprintf(stderr, "crawler: API_URL: %v\n", err)
		return errUsage
	}
	err = body(ctx, cl, output{w: stdout, json: *asJSON}, pos)
	if ue := usageError(""); errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %s\n", name, ue)
		return errUsage
	}
	return explain(err, cl, getenv("API_TOKEN") != "")
}

// usageError is a command-line mistake a command's body finds: printed
// with the command's name, exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) }

// explain adds what to do to the errors a person can fix.
func explain(err error, cl *apiclient.Client, tokenSet bool) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, apiclient.ErrUnauthorized) && !tokenSet:
		return fmt.Errorf("%w: API_TOKEN is not set: set API_TOKEN to the token the API printed or was given", err)
	case errors.Is(err, apiclient.ErrUnauthorized):
		return fmt.Errorf("%w: the API refused the token: set API_TOKEN to the token the API printed or was given", err)
	case errors.Is(err, apiclient.ErrUnreachable):
		return fmt.Errorf("%w: is the API running at API_URL (%s)?", err, cl.URL())
	case errors.Is(err, apiclient.ErrUnavailable):
		return fmt.Errorf("%w: the API cannot serve now (Redis unreachable or too busy); retry later", err)
	}
	return err
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func printGroupUsage(w io.Writer, cmds []apiCommand) {
	fmt.Fprintln(w, "Usage:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-40s %s\n", c.usageLine(), c.summary)
	}
	fmt.Fprintf(w, "\nEach talks to the API at $API_URL (default %s) with $API_TOKEN;\n--json prints JSON, --timeout bounds each request (default %s).\n",
		apiclient.DefaultURL, apiclient.DefaultTimeout)
}
