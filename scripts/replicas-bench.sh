#!/usr/bin/env bash
# replicas-bench.sh BIN [DURATION] [RUNS]
#
# Reserve throughput and latency by ledger: `omniroute bench --reserve`
# (30 workers in all, closed loop, DURATION (10s) after a 2s warmup)
# against real server processes on loopback:
#   memory       one server, state in memory
#   bbolt        one server, --data-dir (fsync per group commit)
#   postgres xN  N = 1, 2, 3 replicas on one fresh PostgreSQL database,
#                the 30 workers split evenly over them
# RUNS (3) rounds; prints one line per run and then the medians. With
# several replicas, throughput is the sum over them and p99/max the worst
# replica's. The network is the demo with no daily pick capacity and
# a million units a row, so that every order reserves for the whole run.
#
# PostgreSQL comes from $OMNIROUTE_BENCH_DATABASE_URL (by default
# postgres://postgres@127.0.0.1:5432/test?sslmode=disable); the script
# creates and drops a database of its own per run. Needs psql and python3.
set -euo pipefail
bin=${1:?binary}; duration=${2:-10s}; runs=${3:-3}
admin=${OMNIROUTE_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
workers=30
dir=$(mktemp -d -t omniroute-rbench.XXXXXX)
pids=()
db=""
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  if [ -n "$db" ]; then psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true; db=""; fi
}
trap 'cleanup; rm -rf "$dir"' EXIT

sed -E 's/capacity_per_day: [0-9]+/capacity_per_day: 0/' network/demo/network.yaml >"$dir/network.yaml"
awk -F, 'NR == 1 { print; next } { print $1 "," $2 ",1000000,0" }' network/demo/stock.csv >"$dir/stock.csv"

# serve PORT [flags...]: start a server and wait until it serves.
serve() {
  local port=$1; shift
  "$bin" serve --addr "127.0.0.1:$port" --metrics-addr "" --network "$dir/network.yaml" \
    --stock "$dir/stock.csv" --log-level warn "$@" >>"$dir/serve.log" 2>&1 &
  pids+=($!)
}

# load ADDR...: one bench per address at the same time; prints
# "throughput p50 p99 max errors reserved".
load() {
  local n=$# i=0 per=$(( workers / $# )) bpids=()
  for a in "$@"; do
    "$bin" bench --addr "$a" --reserve --duration "$duration" --warmup 2s --concurrency "$per" \
      --gen-seed $(( 7 + i )) --id-prefix "b$RANDOM-$i-" --json >"$dir/out.$i.json" 2>>"$dir/bench.log" &
    bpids+=($!)
    i=$(( i + 1 ))
  done
  for p in "${bpids[@]}"; do wait "$p" || true; done
  python3 - "$dir" "$n" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
rs = [json.load(open(f"{d}/out.{i}.json")) for i in range(n)]
print("%.0f %.3f %.3f %.3f %d %d" % (
    sum(r["throughput_rps"] for r in rs),
    max(r["latency_ms"]["p50"] for r in rs),
    max(r["latency_ms"]["p99"] for r in rs),
    max(r["latency_ms"]["max"] for r in rs),
    sum(r["errors"] for r in rs),
    sum(r.get("reserved", 0) for r in rs)))
PY
  rm -f "$dir"/out.*.json
}

run() { # run NAME REPLICAS [serve flags...]
  local name=$1 reps=$2; shift 2
  local addrs=()
  for r in $(seq 1 "$reps"); do
    local port=$(( 50700 + r ))
    serve "$port" "$@"
    addrs+=("127.0.0.1:$port")
  done
  printf '%-12s %s\n' "$name" "$(load "${addrs[@]}")" | tee -a "$dir/results"
  cleanup
}

echo "ledger       req/s p50_ms p99_ms max_ms errors reserved"
for round in $(seq 1 "$runs"); do
  run memory 1
  rm -rf "$dir/data"; run bbolt 1 --data-dir "$dir/data"
  for reps in 1 2 3; do
    db="omniroute_bench_${$}_${round}_${reps}"
    psql -q "$admin" -c "CREATE DATABASE $db" >/dev/null
    base=${admin%%\?*}; url="${base%/*}/$db${admin#"$base"}"
    run "postgres x$reps" "$reps" --database-url "$url"
  done
done
echo "medians of $runs runs:"
python3 - "$dir/results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, rest = line[:12].strip(), line[12:].split()
    rows[name].append([float(x) for x in rest])
for name, rs in rows.items():
    cols = list(zip(*rs))
    print("%-12s %8.0f %7.3f %7.3f %8.3f %6d" % (name, statistics.median(cols[0]), statistics.median(cols[1]),
          statistics.median(cols[2]), statistics.median(cols[3]), statistics.median(cols[4])))
PY
