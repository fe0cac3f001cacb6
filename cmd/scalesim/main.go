// Command scalesim simulates the crawler's ECS worker autoscaling under the
// deployed Terraform configuration and prints one JSON summary line per run,
// with a PNG chart per run when asked. See docs/autoscaling.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "scalesim:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// usageError reports a bad flag value the way flag does its own.
func usageError(stderr io.Writer, f string, a ...any) error {
	fmt.Fprintf(stderr, "scalesim: "+f+"\n", a...)
	return errUsage
}
