#!/usr/bin/env bash
# Installs what internal/browser needs and nothing else: Debian's Chromium
# (Playwright's own browser downloads do not work here) and the Playwright
# driver that github.com/mxschmitt/playwright-go expects, taken from npm's
# playwright-core tarball and run with the system's node. Idempotent and
# quiet when everything is present; scripts/test.sh calls it.
#
# The driver goes to $PLAYWRIGHT_DRIVER_PATH, or to
# ~/.cache/ms-playwright-go/$PLAYWRIGHT_VERSION where playwright-go looks by
# default. The version must match the one playwright-go's go.mod entry was
# built for, or playwright.Run refuses the driver.
set -euo pipefail

PLAYWRIGHT_VERSION=1.64.1
driver="${PLAYWRIGHT_DRIVER_PATH:-$HOME/.cache/ms-playwright-go/$PLAYWRIGHT_VERSION}"

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

need=()
[ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs)
if [ ! -f "$driver/package/cli.js" ]; then
  command -v npm >/dev/null || need+=(npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "install-browser.sh: installing ${need[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "install-browser.sh: node $(node --version) is too old; the Playwright driver needs node >= 20" >&2
  exit 1
fi

if [ ! -f "$driver/package/cli.js" ]; then
  echo "install-browser.sh: installing the Playwright driver $PLAYWRIGHT_VERSION into $driver"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null)
  mkdir -p "$driver"
  # Unpack beside the final place, then rename, so an interrupted run never
  # leaves a half-written driver that looks installed.
  rm -rf "$driver/package.tmp"
  mkdir "$driver/package.tmp"
  tar -xzf "$tmp/playwright-core-$PLAYWRIGHT_VERSION.tgz" -C "$driver/package.tmp" --strip-components=1
  rm -rf "$driver/package"
  mv "$driver/package.tmp" "$driver/package"
fi

# The patch playwright-go's Install applies to the bundle (page errors
# without a location), done here too so a read-only driver directory (a
# container image) needs no write at the first launch. Idempotent.
node - "$driver/package/lib/coreBundle.js" <<'JS'
const fs = require("fs");
const file = process.argv[2];
let src = fs.readFileSync(file, "utf8");
const out = src
  .replaceAll("pageError.location.url", 'pageError.location?.url || ""')
  .replaceAll("pageError.location.lineNumber", "pageError.location?.lineNumber || 0")
  .replaceAll("pageError.location.columnNumber", "pageError.location?.columnNumber || 0");
if (out !== src) fs.writeFileSync(file, out);
JS

# playwright-go runs <driver>/node; the system's node serves, started in a
# session of its own: a Ctrl-C in the terminal then reaches only the
# crawler, which drains its jobs and closes the browser itself, instead of
# killing the driver and Chromium under jobs still running. setsid keeps
# the PID (the shell is no group leader), so the driver's pipes, its exit
# status and its end with its stdin stay as they were.
wrapper="#!/bin/sh
if command -v setsid >/dev/null 2>&1; then exec setsid $(command -v node) \"\$@\"; fi
exec $(command -v node) \"\$@\""
if [ -L "$driver/node" ] || [ "$(cat "$driver/node" 2>/dev/null)" != "$wrapper" ]; then
  rm -f "$driver/node"
  printf '%s\n' "$wrapper" >"$driver/node.tmp"
  chmod 755 "$driver/node.tmp"
  mv "$driver/node.tmp" "$driver/node"
fi

got=$("$driver/node" "$driver/package/cli.js" --version 2>&1 || true)
case "$got" in
  *"$PLAYWRIGHT_VERSION"*) ;;
  *)
    echo "install-browser.sh: $driver holds driver '$got', want $PLAYWRIGHT_VERSION; remove $driver and run again" >&2
    exit 1
    ;;
esac
