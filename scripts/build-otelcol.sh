#!/usr/bin/env bash
# Builds the project's OpenTelemetry Collector from deploy/otelcol-builder.yaml
# with the collector builder and prints the binary's path on stdout (logs go to
# stderr). The binary is cached outside the repository, keyed by a hash of the
# manifest and the builder version, because a build takes many minutes on a
# 2-core machine: CI and later runs reuse it, and a changed manifest builds anew.
#
#   scripts/build-otelcol.sh            # build or reuse; prints the path
#   OTELCOL_REBUILD=1 scripts/build-otelcol.sh
set -euo pipefail

builder_version=v0.165.0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifest=$root/deploy/otelcol-builder.yaml
cache=${XDG_CACHE_HOME:-$HOME/.cache}/crawler
hash=$({ echo "builder $builder_version"; cat "$manifest"; } | sha256sum | cut -c1-16)
dir=$cache/otelcol-$hash
bin=$dir/otelcol-crawler

if [[ -x $bin && -z ${OTELCOL_REBUILD:-} ]]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$cache"
# Two test runs starting at once must not build twice: the second waits.
exec 9>"$dir.lock"
flock 9
if [[ -x $bin && -z ${OTELCOL_REBUILD:-} ]]; then
	echo "$bin"
	exit 0
fi

builder=$cache/tools/builder-$builder_version/builder
if [[ ! -x $builder ]]; then
	echo "build-otelcol: installing the collector builder $builder_version" >&2
	GOBIN=$(dirname "$builder") go install "go.opentelemetry.io/collector/cmd/builder@$builder_version" >&2
fi

work=$(mktemp -d "$cache/otelcol-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$manifest" "$work/manifest.yaml"
start=$SECONDS
echo "build-otelcol: building $bin (takes minutes the first time)" >&2
# The builder reads every environment variable as configuration; GOFLAGS from
# the caller (e.g. -mod=...) must not leak into the generated module's build.
(cd "$work" && env -u GOFLAGS "$builder" --config manifest.yaml) >&2
mkdir -p "$dir"
mv "$work/build/otelcol-crawler" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "build-otelcol: built in $((SECONDS - start)) s" >&2
echo "$bin"
