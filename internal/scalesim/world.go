package scalesim

import (
	"fmt"
	"time"
)

// MetricMode is what the simulated publisher puts in QueueBacklogPerWorker.
type MetricMode string

const (
	// Waiting is internal/metrics.BacklogPerWorker as shipped: waiting jobs
	// per live worker (the whole backlog when none is live).
	Waiting MetricMode = "waiting"
	// WaitingActive counts the jobs in flight too: (waiting + active) per
	// live worker, a what-if whose steady value is utilisation × concurrency.
	WaitingActive MetricMode = "waiting+active"
)

// World is everything about the service and the platform that is not the
// scaling policy. Zero durations, Concurrency, Metric and TaskHourPrice take
// DefaultWorld's values; for JobJitter, BaseWorkers, the phases and Seed zero
// is a value.
type World struct {
	// JobTime is how long one job holds a slot; each job's time is drawn
	// uniformly from JobTime × (1 ± JobJitter).
	JobTime   time.Duration
	JobJitter float64
	// Concurrency is WORKER_CONCURRENCY, the slots per worker.
	Concurrency int
	// BaseWorkers are the EC2 host's workers: always live, never ECS tasks.
	BaseWorkers int
	// A task starts (pull, boot, first heartbeat) in a time drawn uniformly
	// from [StartMin, StartMax].
	StartMin, StartMax time.Duration
	// DrainTimeout is SHUTDOWN_TIMEOUT: a removed task finishes its jobs
	// within it and gives the rest back to the queue.
	DrainTimeout time.Duration
	// PublishInterval is METRIC_PUBLISH_INTERVAL_MS; PublishPhase when in
	// each interval the publisher reads the queue.
	PublishInterval time.Duration
	PublishPhase    time.Duration
	// ExportInterval is OTEL_METRIC_EXPORT_INTERVAL; ExportPhase when in
	// each interval the exporter sends the last read, if it is younger than
	// two publish intervals.
	ExportInterval time.Duration
	ExportPhase    time.Duration
	// LivenessTTL is how long a worker counts as live after its last
	// heartbeat (3 × the worker's 10 s liveness interval): a crashed task
	// still divides the backlog for that long.
	LivenessTTL time.Duration
	// ReclaimAfter is when a crashed task's jobs are back in the queue
	// (JOB_LEASE 30 s plus the reclaim sweep).
	ReclaimAfter time.Duration
	// TaskHourPrice is the Fargate price of one task for one hour, USD.
	TaskHourPrice float64
	// Metric is what QueueBacklogPerWorker means.
	Metric MetricMode
	// SampleEvery is the spacing of the recorded time series.
	SampleEvery time.Duration
	// FlapWindow: a scaling event in the opposite direction of the previous
	// one within this window is a flap.
	FlapWindow time.Duration
	// Seed drives arrivals, job times and start latencies.
	Seed uint64
}

// FargatePrice is one task of the deployed size (1 vCPU, 2 GB, Linux x86)
// for an hour at the us-east-1 on-demand price: $0.04048 per vCPU-hour and
// $0.004445 per GB-hour.
const FargatePrice = 0.04048 + 2*0.004445

// DefaultWorld is the deployment as configured: WORKER_CONCURRENCY 4, two
// base workers (BASE_WORKERS), SHUTDOWN_TIMEOUT 25 s, a 60 s publish and
// export interval. JobTime 2 s is a real site's page, not the bench's: the
// service bench shows the worker itself costs ~0.1 ms of CPU a page, so a
// job's time is the site's response time, and 1–3 s is typical of the
// crawled sites' pages.
func DefaultWorld() World {
	return World{
		JobTime: 2 * time.Second, JobJitter: 0.5, Concurrency: 4, BaseWorkers: 2,
		StartMin: 60 * time.Second, StartMax: 90 * time.Second, DrainTimeout: 25 * time.Second,
		PublishInterval: time.Minute, ExportInterval: time.Minute, ExportPhase: 30 * time.Second,
		LivenessTTL: 30 * time.Second, ReclaimAfter: 40 * time.Second,
		TaskHourPrice: FargatePrice, Metric: Waiting, SampleEvery: 10 * time.Second,
		FlapWindow: 30 * time.Minute, Seed: 1,
	}
}

// WorkerRate is one worker's throughput in jobs per second.
func (w World) WorkerRate() float64 { return float64(w.Concurrency) / w.JobTime.Seconds() }

func (w World) withDefaults() World {
	d := DefaultWorld()
	set := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	set(&w.JobTime, d.JobTime)
	set(&w.StartMin, d.StartMin)
	set(&w.StartMax, d.StartMax)
	set(&w.DrainTimeout, d.DrainTimeout)
	set(&w.PublishInterval, d.PublishInterval)
	set(&w.ExportInterval, d.ExportInterval)
	set(&w.LivenessTTL, d.LivenessTTL)
	set(&w.ReclaimAfter, d.ReclaimAfter)
	set(&w.SampleEvery, d.SampleEvery)
	set(&w.FlapWindow, d.FlapWindow)
	if w.Concurrency == 0 {
		w.Concurrency = d.Concurrency
	}
	if w.Metric == "" {
		w.Metric = d.Metric
	}
	if w.TaskHourPrice == 0 {
		w.TaskHourPrice = d.TaskHourPrice
	}
	return w
}

func (w World) validate() error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("scalesim: world: %s: %w", fmt.Sprintf(f, a...), ErrInvalid)
	}
	switch {
	case w.JobJitter < 0 || w.JobJitter >= 1:
		return bad("job jitter %g (want 0 ≤ j < 1)", w.JobJitter)
	case w.JobTime < 0 || w.Concurrency < 0 || w.BaseWorkers < 0:
		return bad("negative job time, concurrency or base workers")
	case w.StartMax < w.StartMin:
		return bad("start latency %s..%s", w.StartMin, w.StartMax)
	case w.PublishInterval < time.Second || w.ExportInterval < time.Second:
		return bad("publish %s, export %s (want ≥ 1s)", w.PublishInterval, w.ExportInterval)
	case w.Metric != Waiting && w.Metric != WaitingActive:
		return bad("metric %q (want %s or %s)", w.Metric, Waiting, WaitingActive)
	}
	return nil
}
