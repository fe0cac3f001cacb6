package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command reads the real module, runs the scenario under both
// policies and prints one JSON line per run, with a chart per run.
func TestRunPrintsOneLinePerRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"-terraform", "../../deploy/terraform", "-scenario", "steady", "-out", dir, "-tag", "t"}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), out.String())
	}
	for _, l := range lines {
		var s struct {
			Scenario, Policy, Tag string
			TaskHours             *float64 `json:"task_hours"`
		}
		if err := json.Unmarshal([]byte(l), &s); err != nil || s.Scenario != "steady" || s.Tag != "t" || s.TaskHours == nil {
			t.Errorf("line %s: %+v %v", l, s, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "steady-"+s.Policy+"-t.png")); err != nil {
			t.Error(err)
		}
	}
}

func TestRunOverridesAndTrace(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	args := []string{"-terraform", "../../deploy/terraform", "-scenario", "trace", "-trace", "../../internal/scalesim/testdata/trace.csv",
		"-policy", "target_tracking", "-target", "3", "-metric", "waiting+active", "-max", "7"}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	var s struct {
		Config    string
		PeakTasks int `json:"peak_tasks"`
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Config, "target=3 ") || !strings.Contains(s.Config, "max=7") || s.PeakTasks > 7 {
		t.Errorf("overrides not applied: %+v", s)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-scenario", "nope"},
		{"-policy", "simple"},
		{"-bogus"},
		{"extra"},
		{"-png", "x.png"}, // all scenarios, both policies
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), append([]string{"-terraform", "../../deploy/terraform"}, args...), &out, &errb); !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-terraform", t.TempDir(), "-scenario", "steady"}, &out, &errb); err == nil || errors.Is(err, errUsage) {
		t.Errorf("module without .tf files: %v", err)
	}
}
