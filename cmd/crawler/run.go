package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/crawler-service/crawler/internal/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks a command line error: exit status 2, message already printed.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, config.ErrInvalid):
		return 2
	}
	return 1
}

// run is the whole program: main only wires it to the process's arguments,
// environment, output and signals, so tests can call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			return runVersion(args[1:], stdout, stderr)
		case "crawl":
			return runCrawl(ctx, args[1:], getenv, stdout, stderr)
		case "healthcheck":
			return runHealthcheck(ctx, args[1:], getenv, stdout, stderr)
		case "help":
			if len(args) > 1 && slices.Contains(apiGroups(), args[1]) {
				return runAPICommand(ctx, []string{args[1], "--help"}, getenv, stdout, stderr)
			}
			args = []string{"--help"}
		}
		if slices.Contains(apiGroups(), args[0]) {
			return runAPICommand(ctx, args, getenv, stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("crawler", flag.ContinueOnError)
	fs.SetOutput(stderr)
	process := fs.String("process", config.ProcessAll, "process to run: "+strings.Join(config.Processes, ", "))
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage:
  crawler [--process=NAME]     run the service (NAME: %s; default all)
  crawler crawl [flags] URL... crawl URLs once and print the results
  crawler healthcheck [URL]    exit 0 if the process at URL is healthy, 1 if not
  crawler version              print the version
  crawler help [%s]
                               print this, or a group's commands

Talk to the API at $API_URL with $API_TOKEN (--help on each lists its flags):
`, strings.Join(config.Processes, ", "), strings.Join(apiGroups(), "|"))
		writeCommandList(stderr, apiCommands)
		fmt.Fprint(stderr, "\nConfiguration comes from the environment; see README.md.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "crawler: unexpected argument %q: valid commands are crawl, healthcheck, version, %s\n", fs.Arg(0), strings.Join(apiGroups(), ", "))
		return errUsage
	}
	cfg, err := config.Load(*process, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "crawler:", err)
		return errUsage
	}
	return serve(ctx, cfg, getenv, stdout, stderr)
}

// runVersion prints the version; it takes no flags or arguments but --help.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("crawler version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "Usage: crawler version    print the version") }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "crawler version: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	fmt.Fprintln(stdout, "crawler", version)
	return nil
}
