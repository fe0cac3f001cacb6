#!/usr/bin/env bash
# Runs BullMQ and internal/queue against one fresh redis-server, in the same
# run, so their figures can be compared (absolute figures swing 3-6x with
# machine load). Each phase is bounded; the whole script by TIMEOUT.
#
#   bench/queue/run.sh            # 20,000 no-op jobs, 50 in flight, 3 rounds
#   N=5000 ROUNDS=1 bench/queue/run.sh
#
# Needs redis-server, node and npm (BullMQ is installed from the npm
# registry into a temporary directory), and go.
set -euo pipefail

N=${N:-20000}
C=${C:-50}
BATCH=${BATCH:-1000}
ROUNDS=${ROUNDS:-3}
BULLMQ_VERSION=${BULLMQ_VERSION:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
redis_pid=

cleanup() {
  if [[ -n $redis_pid ]]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for bin in redis-server redis-cli node npm go; do
  command -v "$bin" >/dev/null || { echo "missing $bin (redis: apt-get install -y redis-server; node: apt-get install -y nodejs npm)" >&2; exit 1; }
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile redis.log &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" ping >/dev/null

echo "# $(redis-server --version | cut -d' ' -f3), node $(node --version), $(go version | cut -d' ' -f3), $(nproc) cores" >&2
(cd "$work" && npm init -y >/dev/null && timeout 300 npm install --no-audit --no-fund --silent "bullmq@$BULLMQ_VERSION" >/dev/null)
cp "$here/bullmq.js" "$work/"
echo "# bullmq $(node -p "require('$work/node_modules/bullmq/package.json').version")" >&2
(cd "$root" && go build -o "$work/queuebench" ./bench/queue)

results="$work/results.jsonl"
for round in $(seq "$ROUNDS"); do
  redis-cli -p "$port" flushall >/dev/null
  (cd "$work" && timeout 300 node --expose-gc bullmq.js "$port" "$N" "$C" "$BATCH") | tee -a "$results"
  for mode in reader early slots; do
    redis-cli -p "$port" flushall >/dev/null
    timeout 300 "$work/queuebench" -addr "127.0.0.1:$port" -n "$N" -c "$C" -batch "$BATCH" -mode "$mode" | tee -a "$results"
  done
done

# Ratios against BullMQ in the same round, then the median over rounds.
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rounds, cur = [], None
for r in rows:
    if r["name"] == "bullmq":
        cur = {"bullmq": r}
        rounds.append(cur)
    else:
        cur[r["name"]] = r
print(f"\n{'':24s} {'enqueue/s':>10s} {'processed/s':>12s} {'cmds/job':>9s} {'idle MB':>8s} {'peak MB':>8s}   x BullMQ enqueue, processing (median of {len(rounds)})")
for name in rounds[0]:
    rs = [rd[name] for rd in rounds]
    med = lambda k: statistics.median(r[k] for r in rs)
    ratio = lambda k: statistics.median(rd[name][k] / rd["bullmq"][k] for rd in rounds)
    print(f"{name:24s} {med('enqueue_per_s'):10.0f} {med('processed_per_s'):12.0f} {med('commands_per_job'):9.2f} "
          f"{med('idle_rss_after_mb'):8.1f} {med('peak_rss_mb'):8.1f}   {ratio('enqueue_per_s'):5.1f}x {ratio('processed_per_s'):5.1f}x")
PY
