#!/usr/bin/env bash
# batch-beside.sh BIN [DURATION] [extra bench flags for the single Routes...]
#
# Head-of-line blocking check. Starts `omniroute serve` on the demo network
# on loopback, then runs two clients side by side for DURATION (20s):
#   - one sending RouteBatch calls of 1,000 orders x 100 lines, back to back;
#   - `omniroute bench` sending single Routes (4 workers, closed loop).
# Prints both results as JSON lines ("batch" and "single"); the single
# Routes' max and p99 latency show how long a batch makes them wait.
# Extra flags go to the single Routes' bench (e.g. --reserve).
set -euo pipefail
bin=${1:?binary}; duration=${2:-20s}; shift $(( $# < 2 ? $# : 2 ))
addr=${BATCH_ADDR:-127.0.0.1:50561}
dir=$(mktemp -d -t omniroute-batch.XXXXXX)
log=$dir/serve.log

# Ten distinct 100-line orders over the demo SKUs, customers around Almaty.
awk -F, 'NR > 1 && !seen[$2]++ { skus[n++] = $2 }
  END {
    for (o = 0; o < 10; o++) {
      printf "{\"id\":\"big-%d\",\"customer\":{\"lat\":%.4f,\"lon\":%.4f},\"allowSplit\":true,\"lines\":[", o, 43.20 + o * 0.01, 76.85 + o * 0.01
      for (l = 0; l < 100; l++) {
        printf "%s{\"sku\":\"%s\",\"quantity\":1,\"unitWeightKg\":0.3}", (l ? "," : ""), skus[(o * 7 + l) % n]
      }
      print "]}"
    }
  }' network/demo/stock.csv >"$dir/big.jsonl"

# A batch of 1,000 x 100 runs longer than the default 5 s call deadline.
"$bin" serve --addr "$addr" --metrics-addr "" --max-call-duration 60s >"$log" 2>&1 &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" bench --addr "$addr" --orders "$dir/big.jsonl" --batch 1000 --concurrency 1 \
  --duration "$duration" --timeout 60s --json >"$dir/batch.json" &
batch=$!
"$bin" bench --addr "$addr" --duration "$duration" --concurrency 4 --gen-seed 1 --json "$@" >"$dir/single.json"
wait "$batch"
printf '{"batch":%s}\n{"single":%s}\n' "$(cat "$dir/batch.json")" "$(cat "$dir/single.json")"
