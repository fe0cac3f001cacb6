#!/usr/bin/env bash
# Crawls a local site through the real service: redis-server, an api and
# one worker process (the built binary), 10,000 pages of ~15 KB with ten
# links each, posted as one batch of http jobs that ask for a rank. Prints
# pages/s end to end (POST to the queue drained), the worker's RSS idle
# before, at its peak (VmHWM) and idle after, and, in the same run, a bare
# net/http loop over the same site for comparison (absolute figures swing
# with machine load; compare within one run). The crawler is built as the
# Dockerfile builds it (static, stripped): RSS counts the binary's mapped
# pages, so the build matters. RSS is also split into anonymous memory
# (heap, stacks) and file-backed pages (the binary's code and data).
#
#   bench/service/run.sh                      # 10,000 pages, WORKER_CONCURRENCY=32
#   PAGES=2000 CONCURRENCY=8 MARKUP=rich bench/service/run.sh
#   PAGES=5000 bench/service/run.sh --latency 20   # or LATENCY_MS=20
#   KEEP_LOGS=/tmp/logs WORKER_ENV="GODEBUG=gctrace=1" bench/service/run.sh
#   COLLY=0 SERVICE_ENV="OTEL_TRACES_EXPORTER=otlp ..." bench/service/run.sh   # see traces.sh
#
# Targets (issue 3): ≥ 2× Colly's rate (Colly runs in the same script
# against the same site process and does the same job; the issue quoted
# ≈ 1,500 pages/s, measured under load), worker peak RSS ≤ 50 MB, idle RSS
# ≤ 30 MB.
# With a latency (LATENCY_MS or --latency MS) the site answers each page
# that long after the request came, as a remote site would, for Colly, the
# bare loop and the service alike. Throughput is then bound by
# CONCURRENCY / latency, and the script prints each client's fraction of
# that bound: the bare loop's shows what a client loses to the network
# stack and timers alone. Target (issue 11): at 20 ms, 5,000 pages, the
# service reaches ≥ 90 % of the bound. It also prints the mean number of pages in
# flight at the site during each client's run (CONCURRENCY at best) and
# the Redis commands per page the service spent.
# The whole run is bounded by TIMEOUT seconds.
#
# Needs go, redis-server (apt-get install -y redis-server), curl, python3.
set -euo pipefail

while (($#)); do
  case $1 in
    --latency) LATENCY_MS=${2:?--latency needs milliseconds}; shift 2 ;;
    --latency=*) LATENCY_MS=${1#*=}; shift ;;
    *) echo "usage: $0 [--latency MS]" >&2; exit 2 ;;
  esac
done

PAGES=${PAGES:-10000}
CONCURRENCY=${CONCURRENCY:-32}
IDLE_AFTER=${IDLE_AFTER:-3} # seconds idle after the run before RSS is read again
MARKUP=${MARKUP:-plain} # plain: paragraphs (bench/crawl's pages); rich: tables too (the tree parser's path)
TIMEOUT=${TIMEOUT:-180}
LATENCY_MS=${LATENCY_MS:-0} # the site's delay before each page, in ms
[[ $LATENCY_MS =~ ^[0-9]+$ ]] || { echo "LATENCY_MS=$LATENCY_MS: want whole milliseconds" >&2; exit 2; }
WORKER_ENV=${WORKER_ENV:-} # extra NAME=value pairs for the worker, e.g. "GOGC=50 GODEBUG=gctrace=1"
SERVICE_ENV=${SERVICE_ENV:-} # extra NAME=value pairs for the api and the worker (traces.sh sets tracing here)
COLLY=${COLLY:-1} # 0: no Colly comparison (traces.sh compares the service with itself)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
deadline=$((SECONDS + TIMEOUT))

for bin in go redis-server redis-cli curl python3; do
  command -v "$bin" >/dev/null || { echo "missing $bin (redis: apt-get install -y redis-server)" >&2; exit 1; }
done

fail() { echo "run.sh: $*" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# wait_for CMD...: retry every 50 ms until CMD succeeds or the run's deadline.
wait_for() {
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out waiting for: $*"
    sleep 0.05
  done
}
rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mb() { python3 -c "print(f'{$1/1024:.1f}')"; }
# cpu_ticks PID: user+system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

echo "# $(go version | cut -d' ' -f3), $(redis-server --version | cut -d' ' -f3), $(nproc) cores, $PAGES pages ($MARKUP markup), concurrency $CONCURRENCY, site latency $LATENCY_MS ms" >&2
(cd "$root" && CGO_ENABLED=0 go build -tags grpcnotrace -trimpath -ldflags="-s -w" -o "$work/crawler" ./cmd/crawler && go build -o "$work/site" ./bench/service/site && go build -o "$work/bare" ./bench/service/bare)

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile redis.log &
redis_pid=$!
pids+=("$redis_pid")
wait_for redis-cli -p "$redis_port" ping

"$work/site" -pages "$PAGES" -markup "$MARKUP" -latency "${LATENCY_MS}ms" -addr-file "$work/site.addr" 2>"$work/site.log" &
site_pid=$!
pids+=("$site_pid")
wait_for test -s "$work/site.addr"
site="http://$(cat "$work/site.addr")"
# site_busy: the site's summed page-request time so far, in seconds.
site_busy() { curl -sf "$site/stats" | json 'd["busy_s"]'; }

# Colly (bench/crawl/colly, its own module) first, when its module builds:
# the same site process, pages and job (the rank of the item that links to
# target.example/N), with nothing else running.
colly='{}'
colly_fetches=0
if [[ $COLLY != 0 ]] && (cd "$root/bench/crawl/colly" && go build -o "$work/colly" .) 2>/dev/null; then
  site_cpu0=$(cpu_ticks "$site_pid")
  busy0=$(site_busy)
  colly=$("$work/colly" -site "$site" -pages "$PAGES" -concurrency "$CONCURRENCY")
  colly_site_cpu=$(python3 -c "print(($(cpu_ticks "$site_pid") - $site_cpu0) / $(getconf CLK_TCK))")
  colly=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); d['site_cpu_s']=float(sys.argv[2]); d['site_busy_s']=float(sys.argv[3])-float(sys.argv[4]); print(json.dumps(d))" "$colly" "$colly_site_cpu" "$(site_busy)" "$busy0")
  echo "$colly" >&2
  colly_fetches=$PAGES
else
  echo "no Colly comparison (COLLY=0, or its module did not build)" >&2
fi

token=bench-$RANDOM$RANDOM
api_addr=127.0.0.1:$(free_port)
metrics_addr=127.0.0.1:$(free_port)
common=(REDIS_URL="redis://127.0.0.1:$redis_port" API_TOKEN="$token" LOG_FORMAT=json OTEL_METRICS_EXPORTER=prometheus CRAWL_ALLOW_PRIVATE=true)
env -i "${common[@]}" API_ADDR="$api_addr" $SERVICE_ENV "$work/crawler" --process=api 2>"$work/api.log" &
api_pid=$!
pids+=("$api_pid")
# Every page is on one host, so the per-host limit (default 2) is raised
# to the worker's concurrency: this measures the worker, not politeness.
env -i "${common[@]}" METRICS_ADDR="$metrics_addr" \
  WORKER_CONCURRENCY="$CONCURRENCY" CRAWL_PER_HOST_CONCURRENCY="$CONCURRENCY" $SERVICE_ENV $WORKER_ENV \
  "$work/crawler" --process=worker 2>"$work/worker.log" &
worker_pid=$!
pids+=("$worker_pid")
wait_for curl -sf "http://$api_addr/healthz"
wait_for curl -sf "http://$metrics_addr/healthz"

# The bare loop first, while the worker sits idle.
busy0=$(site_busy)
bare=$("$work/bare" -base "$site" -pages "$PAGES" -c "$CONCURRENCY")
bare=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); d['site_busy_s']=float(sys.argv[2])-float(sys.argv[3]); print(json.dumps(d))" "$bare" "$(site_busy)" "$busy0")
echo "$bare" >&2
sleep 2
idle_before=$(rss_kb "$worker_pid" VmRSS)
idle_before_split="anon $(rss_kb "$worker_pid" RssAnon) kB, file $(rss_kb "$worker_pid" RssFile) kB"

curl -sf "$site/batch.json" >"$work/batch.json"
auth=(-H "Authorization: Bearer $token")
roles=(worker redis api site)
role_pids=("$worker_pid" "$redis_pid" "$api_pid" "$site_pid")
cpu0=(); for p in "${role_pids[@]}"; do cpu0+=("$(cpu_ticks "$p")"); done
busy0=$(site_busy)
redis-cli -p "$redis_port" CONFIG RESETSTAT >/dev/null
# One Python process posts the batch and then polls the queue counts
# every 10 ms over one keep-alive connection: a curl per poll would cost
# the measured run more CPU than the API does, and a coarse poll would
# overstate the time.
read -r t0 t_posted t1 < <(python3 - "$api_addr" "$token" "$work/batch.json" "$work/ids.json" "$work/queue.json" "$((deadline - SECONDS))" <<'PY'
import http.client, sys, time
addr, token, batch, ids_path, queue_path, timeout = sys.argv[1:7]
host, port = addr.rsplit(":", 1)
auth = {"Authorization": "Bearer " + token}
body = open(batch, "rb").read()
conn = http.client.HTTPConnection(host, int(port), timeout=60)
t0 = time.time()
conn.request("POST", "/v1/jobs", body, {**auth, "Content-Type": "application/json"})
resp = conn.getresponse()
ids = resp.read()
tp = time.time()
open(ids_path, "wb").write(ids)
if resp.status != 202:
    sys.exit(f"POST /v1/jobs: {resp.status} {ids[:300]!r}")
while True:
    conn.request("GET", "/v1/queue", headers=auth)
    q = conn.getresponse().read()
    if b'"waiting":0,"active":0,"delayed":0,' in q:
        break
    if time.time() - t0 > float(timeout):
        sys.exit(f"timed out waiting for the queue to drain: {q[:300]!r}")
    time.sleep(0.01)
t1 = time.time()
open(queue_path, "wb").write(q)
print(t0, tp, t1)
PY
) || fail "batch run failed"
[[ -n ${t1:-} ]] || fail "batch run failed: $(head -c 300 "$work/ids.json")"
peak=$(rss_kb "$worker_pid" VmHWM)
service_busy=$(python3 -c "print($(site_busy) - $busy0)")
# Every Redis command of the run (the api's enqueue, the worker's reads and
# completions, the poll's counts), Lua scripts' own calls included.
redis-cli -p "$redis_port" INFO commandstats >"$work/commandstats.txt"
worker_cpu=$(python3 -c "print(($(cpu_ticks "$worker_pid") - ${cpu0[0]}) / $(getconf CLK_TCK))")
cpu=""
for i in "${!roles[@]}"; do
  cpu+="${roles[$i]} $(python3 -c "print(f'{($(cpu_ticks "${role_pids[$i]}") - ${cpu0[$i]}) / $(getconf CLK_TCK):.1f}')") s, "
done
sleep "$IDLE_AFTER"
idle_after=$(rss_kb "$worker_pid" VmRSS)
echo "worker RSS after: anon $(rss_kb "$worker_pid" RssAnon) kB, file $(rss_kb "$worker_pid" RssFile) kB; before: $idle_before_split" >&2
[[ -z ${KEEP_LOGS:-} ]] || cp "$work"/*.log "$KEEP_LOGS"/

failed=$(json 'd["failed"]' <"$work/queue.json")
unique=$(curl -sf "$site/stats" | json 'd["unique"]')
fetches=$(curl -sf "$site/stats" | json 'd["fetches"]')
first=$(json 'd["ids"][0]' <"$work/ids.json")
last=$(json 'd["ids"][-1]' <"$work/ids.json")
curl -sf "${auth[@]}" "http://$api_addr/v1/jobs/$first" >"$work/first.json"
curl -sf "${auth[@]}" "http://$api_addr/v1/jobs/$last" >"$work/last.json"
rank_first=$(json 'd["result"]["rank"]' <"$work/first.json")
rank_last=$(json "d['result']['rank'] if d['result'] else None" <"$work/last.json")
[[ $failed == 0 ]] || fail "$failed jobs failed"
# Colly and the bare loop fetched every page once before; the worker must
# have fetched every page again (unique counts pages, fetches all of them).
((fetches >= 2 * PAGES + colly_fetches)) || fail "site saw $fetches fetches, want ≥ $((2 * PAGES + colly_fetches))"
[[ $rank_first == 1 && $rank_last == $(((PAGES - 1) % 10 + 1)) ]] || fail "wrong ranks: first $rank_first, last $rank_last"

python3 - "$PAGES" "$CONCURRENCY" "$t0" "$t_posted" "$t1" "$idle_before" "$peak" "$idle_after" "$bare" "$unique" "$fetches" "${cpu%, }" "$worker_cpu" "$IDLE_AFTER" "$colly" "$LATENCY_MS" "$service_busy" "$work/commandstats.txt" <<'PY'
import json, re, sys
pages, conc = int(sys.argv[1]), int(sys.argv[2])
t0, tp, t1 = map(float, sys.argv[3:6])
idle_before, peak, idle_after = (int(x) / 1024 for x in sys.argv[6:9])
bare = json.loads(sys.argv[9])
unique, fetches, cpu, worker_cpu = int(sys.argv[10]), int(sys.argv[11]), sys.argv[12], float(sys.argv[13])
idle_wait = sys.argv[14]
colly = json.loads(sys.argv[15])
latency_ms, service_busy = int(sys.argv[16]), float(sys.argv[17])
calls = {m[1]: int(m[2]) for m in re.finditer(r"^cmdstat_(\S+?):calls=(\d+)", open(sys.argv[18]).read(), re.M)}
calls.pop("config", None)
rate = pages / (t1 - t0)
print(f"service  (api + 1 worker, WORKER_CONCURRENCY={conc}): {pages} pages in {t1-t0:.2f} s "
      f"(POST of the batch {tp-t0:.2f} s) = {rate:.0f} pages/s; worker RSS idle {idle_before:.1f} MB, "
      f"peak {peak:.1f} MB, idle {idle_wait} s after {idle_after:.1f} MB")
print(f"bare net/http loop ({conc} in flight):        {bare['pages']} pages in {bare['seconds']:.2f} s "
      f"= {bare['pages_per_s']:.0f} pages/s; peak RSS {bare['peak_rss_mb']:.1f} MB")
print(f"CPU used during the service run ({t1-t0:.2f} s wall, 2 cores = {2*(t1-t0):.1f} CPU s at most): {cpu}")
print(f"CPU per page: worker {1000*worker_cpu/pages:.2f} ms, bare loop {1000*bare['cpu_s']/bare['pages']:.2f} ms "
      f"(load-independent; at 2 cores the worker alone could reach ≈ {2*pages/worker_cpu:.0f} pages/s)")
print(f"service / bare = {rate / bare['pages_per_s']:.2f}; site: {unique} distinct pages, {fetches} fetches (Colly, bare, service)")
top = ", ".join(f"{k} {v / pages:.2f}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1]) if v >= pages / 100)
print(f"Redis commands per page during the service run, api's enqueue and the poll included: {sum(calls.values()) / pages:.2f} ({top})")
in_flight = f"pages in flight at the site (mean, of {conc}): service {service_busy / (t1 - t0):.1f}, bare {bare['site_busy_s'] / bare['seconds']:.1f}"
if colly.get("site_busy_s") is not None:
    in_flight += f", Colly {colly['site_busy_s'] / colly['seconds']:.1f}"
print(in_flight)
ok = lambda c: "ok" if c else "MISSED"
if latency_ms > 0:
    # Throughput targets at a latency (issue 11): a fraction of the bound,
    # beside the bare loop's; the 2x-Colly and 3,000 pages/s targets are
    # for the default 0 ms run.
    bound = conc * 1000 / latency_ms
    line = (f"bound {conc} / {latency_ms} ms = {bound:.0f} pages/s: service {rate / bound:.1%} of it "
            f"(target ≥ 90 %: {ok(rate >= 0.9 * bound)}), bare loop {bare['pages_per_s'] / bound:.1%}")
    if colly.get("pages_per_sec"):
        line += f", Colly {colly['pages_per_sec'] / bound:.1%}"
    print(line)
if colly.get("pages_per_sec"):
    target = "" if latency_ms else f" (target ≥ 2: {ok(rate >= 2 * colly['pages_per_sec'])})"
    print(f"Colly in this run, same site: {colly['pages_per_sec']:.0f} pages/s, peak RSS {colly['peak_rss_mb']:.1f} MB, "
          f"CPU per page Colly {colly['cpu_ms_per_page']:.2f} ms + site {1000*colly['site_cpu_s']/colly['pages']:.2f} ms; "
          f"service / Colly = {rate / colly['pages_per_sec']:.2f}{target}")
rate_target = "" if latency_ms else f"≥ 3000 pages/s (2× Colly's 1,500): {ok(rate >= 3000)}; "
print(f"targets: {rate_target}peak ≤ 50 MB: {ok(peak <= 50)}; "
      f"idle ≤ 30 MB: before work {ok(idle_before <= 30)}, {idle_wait} s after work {ok(idle_after <= 30)}")
PY
