package main

import (
	"context"
	"fmt"

	"github.com/crawler-service/crawler/internal/apiclient"
)

func runSchedulesPause(ctx context.Context, cl *apiclient.Client, o output, args []string) error {
	s, err := cl.PauseSchedule(ctx, args[0])
	if err != nil {
		return scheduleError(args[0], err)
	}
	if o.json {
		return printJSON(o, s)
	}
	fmt.Fprintf(o.w, "paused schedule %s: it does not fire until resumed\n", cell(s.Name))
	return nil
}

func runSchedulesResume(ctx context.Context, cl *apiclient.Client, o output, args []string) error {
	s, err := cl.ResumeSchedule(ctx, args[0])
	if err != nil {
		return scheduleError(args[0], err)
	}
	if o.json {
		return printJSON(o, s)
	}
	fmt.Fprintf(o.w, "resumed schedule %s: it fires from its next time on\n", cell(s.Name))
	return nil
}

func runSchedulesTrigger(ctx context.Context, cl *apiclient.Client, o output, args []string) error {
	id, err := cl.TriggerSchedule(ctx, args[0])
	if err != nil {
		return scheduleError(args[0], err)
	}
	if o.json {
		return printJSON(o, map[string]string{"id": id})
	}
	id = cell(id)
	fmt.Fprintf(o.w, "triggered schedule %s: job %s (crawler jobs get %s)\n", cell(args[0]), id, shellQuote(id))
	return nil
}
