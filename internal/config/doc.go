// Package config is the only place that reads the service's environment.
// Load turns a getenv function into plain per-package configuration structs,
// with the defaults of docs/configuration.md, and refuses an invalid value with a
// message naming the variable, the value and what is valid. The metrics
// pipeline's variables (OTEL_*, CLOUDWATCH_*) are read by otel.ConfigFromEnv.
package config
