package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/crawler-service/crawler/internal/scalechart"
	"github.com/crawler-service/crawler/internal/scaleconf"
	"github.com/crawler-service/crawler/internal/scalesim"
)

// options are the command's flags. A policy flag left at its zero value
// keeps the number Terraform deploys.
type options struct {
	scenario, policy, terraform, trace, out, png, tag string
	world                                             scalesim.World
	metric                                            string
	target, highThreshold, lowThreshold               float64
	minCap, maxCap                                    int
	outCooldown, inCooldown                           time.Duration
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	w := scalesim.DefaultWorld()
	fs := flag.NewFlagSet("scalesim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: scalesim [flags]\n\nScenarios: %s, or all.\nPolicies: target_tracking, step, or both.\n\nFlags:\n", strings.Join(scalesim.Names, ", "))
		fs.PrintDefaults()
	}
	fs.StringVar(&o.scenario, "scenario", "all", "scenario to run, or all (trace only with -trace)")
	fs.StringVar(&o.policy, "policy", "both", "target_tracking, step or both")
	fs.StringVar(&o.terraform, "terraform", "deploy/terraform", "Terraform module to read the policies from")
	fs.StringVar(&o.trace, "trace", "", "CSV load trace (timestamp, jobs) for the trace scenario")
	fs.StringVar(&o.out, "out", "", "directory for one PNG chart per run, named SCENARIO-POLICY[-TAG].png")
	fs.StringVar(&o.png, "png", "", "PNG chart of a single run (one scenario, one policy)")
	fs.StringVar(&o.tag, "tag", "", "suffix of the chart names and the summaries' tag, for what-if runs")
	fs.Float64Var(&o.target, "target", 0, "target tracking's target value (default: Terraform's)")
	fs.IntVar(&o.minCap, "min", -1, "minimum ECS tasks (default: Terraform's)")
	fs.IntVar(&o.maxCap, "max", 0, "maximum ECS tasks (default: Terraform's)")
	fs.DurationVar(&o.outCooldown, "scale-out-cooldown", 0, "scale-out cooldown of either policy (default: Terraform's)")
	fs.DurationVar(&o.inCooldown, "scale-in-cooldown", 0, "scale-in cooldown of either policy (default: Terraform's)")
	fs.Float64Var(&o.highThreshold, "step-high", 0, "threshold of the step policy's scale-out alarm (default: Terraform's)")
	fs.Float64Var(&o.lowThreshold, "step-low", 0, "threshold of the step policy's scale-in alarm (default: Terraform's)")
	fs.StringVar(&o.metric, "metric", string(w.Metric), "QueueBacklogPerWorker as shipped (waiting) or what-if (waiting+active)")
	fs.DurationVar(&w.JobTime, "job-time", w.JobTime, "mean time one job holds a worker slot")
	fs.Float64Var(&w.JobJitter, "job-jitter", w.JobJitter, "job times spread uniformly over job-time × (1 ± jitter)")
	fs.IntVar(&w.Concurrency, "concurrency", w.Concurrency, "WORKER_CONCURRENCY")
	fs.IntVar(&w.BaseWorkers, "base-workers", w.BaseWorkers, "workers on the EC2 host (BASE_WORKERS): live, never ECS tasks")
	fs.DurationVar(&w.StartMin, "start-min", w.StartMin, "shortest task start (pull, boot, first heartbeat)")
	fs.DurationVar(&w.StartMax, "start-max", w.StartMax, "longest task start")
	fs.DurationVar(&w.DrainTimeout, "drain-timeout", w.DrainTimeout, "SHUTDOWN_TIMEOUT of a task told to stop")
	fs.DurationVar(&w.PublishInterval, "publish-interval", w.PublishInterval, "METRIC_PUBLISH_INTERVAL_MS")
	fs.DurationVar(&w.ExportInterval, "export-interval", w.ExportInterval, "the publisher's OTEL_METRIC_EXPORT_INTERVAL")
	fs.Float64Var(&w.TaskHourPrice, "price", w.TaskHourPrice, "USD per task-hour (1 vCPU, 2 GB Fargate, us-east-1)")
	fs.Uint64Var(&w.Seed, "seed", w.Seed, "random seed")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return o, err
		}
		return o, errUsage
	}
	if fs.NArg() > 0 {
		return o, usageError(stderr, "unexpected argument %q", fs.Arg(0))
	}
	w.Metric = scalesim.MetricMode(o.metric)
	w.ExportPhase = w.ExportInterval / 2
	o.world = w
	return o, nil
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	scenarios := []string{o.scenario}
	if o.scenario == "all" {
		scenarios = slices.DeleteFunc(slices.Clone(scalesim.Names), func(n string) bool { return n == "trace" && o.trace == "" })
	} else if !slices.Contains(scalesim.Names, o.scenario) {
		return usageError(stderr, "unknown scenario %q (want one of %s, or all)", o.scenario, strings.Join(scalesim.Names, ", "))
	}
	kinds := []scalesim.Kind{scalesim.TargetTracking, scalesim.StepScaling}
	switch o.policy {
	case "both":
	case string(scalesim.TargetTracking), string(scalesim.StepScaling):
		kinds = []scalesim.Kind{scalesim.Kind(o.policy)}
	default:
		return usageError(stderr, "unknown policy %q (want target_tracking, step or both)", o.policy)
	}
	if o.png != "" && len(scenarios)*len(kinds) != 1 {
		return usageError(stderr, "-png draws one run: give one -scenario and one -policy (or use -out)")
	}
	var trace []scalesim.TracePoint
	if o.trace != "" {
		if trace, err = readTrace(o.trace); err != nil {
			return err
		}
	}
	dep, err := scaleconf.Read(o.terraform, "")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, name := range scenarios {
		sc, err := scalesim.Named(name, trace)
		if err != nil {
			return err
		}
		for _, k := range kinds {
			res, err := scalesim.Run(sc, o.apply(dep.Policy(k)), o.world)
			if err != nil {
				return err
			}
			if err := enc.Encode(line{res.Summary, o.tag}); err != nil {
				return fmt.Errorf("write summary: %w", err)
			}
			if err := o.chart(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// line is the JSON summary with the run's tag.
type line struct {
	scalesim.Summary
	Tag string `json:"tag,omitempty"`
}

// apply puts the what-if flags over the deployed policy.
func (o options) apply(p scalesim.Policy) scalesim.Policy {
	if o.target > 0 {
		p.Tracking.TargetValue = o.target
	}
	if o.minCap >= 0 {
		p.MinCapacity = o.minCap
	}
	if o.maxCap > 0 {
		p.MaxCapacity = o.maxCap
	}
	if o.outCooldown > 0 {
		p.Tracking.ScaleOutCooldown, p.Step.Out.Cooldown = o.outCooldown, o.outCooldown
	}
	if o.inCooldown > 0 {
		p.Tracking.ScaleInCooldown, p.Step.In.Cooldown = o.inCooldown, o.inCooldown
	}
	if o.highThreshold > 0 {
		p.Step.Out.Alarm.Threshold = o.highThreshold
	}
	if o.lowThreshold > 0 {
		p.Step.In.Alarm.Threshold = o.lowThreshold
	}
	return p
}

func (o options) chart(r *scalesim.Result) error {
	path := o.png
	if path == "" && o.out != "" {
		name := r.Scenario.Name + "-" + string(r.Policy.Kind)
		if o.tag != "" {
			name += "-" + o.tag
		}
		path = filepath.Join(o.out, name+".png")
	}
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	err = scalechart.Write(f, r, 10*vg.Inch, 11*vg.Inch)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("chart: %w", cerr)
	}
	return err
}

func readTrace(path string) ([]scalesim.TracePoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	return scalesim.ReadTrace(f)
}
