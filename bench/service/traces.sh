#!/usr/bin/env bash
# What tracing costs the service: bench/service/run.sh (api + one worker on
# a local site, PAGES http jobs with a rank) run in pairs, tracing off
# (OTEL_TRACES_EXPORTER unset: none) then on (every job sampled, spans sent
# over OTLP/HTTP to the project's collector, which counts and drops them),
# alternately, so the machine's drift hits both alike. Prints each run's
# pages/s and the worker's CPU per page, the ratio on/off pair by pair, and
# the spans the collector accepted (to show the traced runs did export).
#
#   bench/service/traces.sh                 # 3 pairs of 5,000 pages
#   PAIRS=5 PAGES=10000 bench/service/traces.sh
#   SAMPLER=traceidratio SAMPLER_ARG=0.05 bench/service/traces.sh   # 5 % of jobs traced
#
# Needs what run.sh needs, and the collector build (scripts/build-otelcol.sh).
set -euo pipefail

PAIRS=${PAIRS:-3}
SAMPLER=${SAMPLER:-always_on}
SAMPLER_ARG=${SAMPLER_ARG:-1}
export PAGES=${PAGES:-5000} COLLY=0
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
col_pid=
cleanup() {
  if [[ -n $col_pid ]]; then kill "$col_pid" 2>/dev/null || true; wait "$col_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

collector=$("$root/scripts/build-otelcol.sh")
otlp=127.0.0.1:$(free_port)
telemetry=$(free_port)
OTLP_HTTP_ENDPOINT=$otlp TELEMETRY_PORT=$telemetry "$collector" --config "$here/otlp-sink.yaml" >"$work/collector.log" 2>&1 &
col_pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$telemetry/metrics" >/dev/null && break; sleep 0.05; done
spans() { curl -sf "http://127.0.0.1:$telemetry/metrics" | awk '/^otelcol_receiver_accepted_spans/ {s += $NF} END {print s + 0}'; }

traced="OTEL_TRACES_EXPORTER=otlp OTEL_TRACES_SAMPLER=$SAMPLER OTEL_TRACES_SAMPLER_ARG=$SAMPLER_ARG OTEL_EXPORTER_OTLP_ENDPOINT=http://$otlp OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
# run LABEL ENV: one run.sh; prints "pages/s cpu_ms_per_page".
run() {
  local out
  out=$(SERVICE_ENV="$2" "$here/run.sh" 2>/dev/null) || { echo "run.sh ($1) failed" >&2; exit 1; }
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
rate = re.search(r"= (\d+) pages/s; worker RSS", out).group(1)
cpu = re.search(r"CPU per page: worker ([\d.]+) ms", out).group(1)
print(rate, cpu)
PY
}

echo "# $(nproc) cores, $PAGES pages per run, $PAIRS pairs (off, on with $SAMPLER $SAMPLER_ARG), collector at $otlp" >&2
printf '%-5s %12s %12s %14s %14s %9s %9s %10s\n' pair "off pages/s" "on pages/s" "off CPU ms/pg" "on CPU ms/pg" "rate on/off" "CPU on/off" "spans"
for i in $(seq "$PAIRS"); do
  read -r off_rate off_cpu < <(run off "")
  before=$(spans)
  read -r on_rate on_cpu < <(run on "$traced")
  sleep 2 # the last batch of spans
  after=$(spans)
  python3 -c "
import sys
i, orate, ocpu, nrate, ncpu, sp = sys.argv[1:]
print(f'{i:<5} {orate:>12} {nrate:>12} {ocpu:>14} {ncpu:>14} {float(nrate)/float(orate):>9.2f} {float(ncpu)/float(ocpu):>9.2f} {int(float(sp)):>10}')
" "$i" "$off_rate" "$off_cpu" "$on_rate" "$on_cpu" "$((${after%.*} - ${before%.*}))"
done
