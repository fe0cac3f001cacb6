#!/usr/bin/env bash
# The test command of README.md, and what .ci/run calls: installs what the
# tests need when it is missing (Debian packages, Playwright's driver), then
# runs every test. Nothing is skipped for a missing component: a test that
# needs one fails with the install command instead.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's prometheus package starts nothing here, but stop a daemon if a
# service manager started one: the tests run their own on free ports.
command -v systemctl >/dev/null && $sudo systemctl stop prometheus redis-server 2>/dev/null || true

# Chromium and the Playwright driver for internal/browser.
./scripts/install-browser.sh

go vet ./...
go test -count=1 -timeout 45m ./...
