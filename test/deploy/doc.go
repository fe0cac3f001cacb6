// Package deploy holds the tests of the deployment files at the repository's
// root and under deploy/: the consistency test (every metric name and label
// that a dashboard, alert rule, CloudWatch alarm, scaling policy, Terraform or
// compose file names exists in internal/metrics' table; compose files load
// with compose-go, HCL parses), the promtool checks of the Prometheus
// configuration and rules, and the end-to-end test that runs the local stack
// natively (a collector built by scripts/build-otelcol.sh, Debian's
// Prometheus, redis-server and the crawler's processes) and runs every Grafana
// panel's query against it. The package has no code of its own.
package deploy
