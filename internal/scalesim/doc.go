// Package scalesim simulates the crawler's worker fleet under ECS service
// autoscaling, one second at a time, so a scaling policy can be judged
// before it is paid for.
//
// It owns the model of the whole loop: jobs arriving from a Scenario; a
// FIFO queue; workers with WORKER_CONCURRENCY slots and a per-job service
// time; the EC2 host's base workers, which count as live workers but are no
// ECS tasks; ECS tasks that take a random 60–90 s to start, drain within
// SHUTDOWN_TIMEOUT when removed and may crash; the metric publisher, which
// reads the queue every METRIC_PUBLISH_INTERVAL_MS and whose exporter sends
// the last fresh read once a minute; CloudWatch's per-period statistics and
// alarm evaluation with its missing-data treatments; and Application Auto
// Scaling's target tracking (its two managed alarms, proportional capacity,
// cooldowns, min and max) and step scaling policies.
//
// The package imports only the standard library. Reading the deployed
// numbers from Terraform lives in internal/scaleconf, drawing charts in
// internal/scalechart.
package scalesim
