#!/usr/bin/env bash
# loadtest.sh BIN DURATION [extra bench flags...]
# Starts `omniroute serve` on the demo network on loopback, waits until it
# answers, runs `omniroute bench` against it, and stops the server. Exits
# non-zero when the bench gate fails or the server dies.
set -euo pipefail
bin=${1:?binary}; duration=${2:-10s}; shift $(( $# < 2 ? $# : 2 ))
addr=${LOADTEST_ADDR:-127.0.0.1:50551}
metrics=${LOADTEST_METRICS_ADDR:-127.0.0.1:9591}
log=$(mktemp -t omniroute-serve.XXXXXX.log)

"$bin" serve --addr "$addr" --metrics-addr "$metrics" >"$log" 2>&1 &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

status=0
"$bin" bench --addr "$addr" --duration "$duration" --concurrency 16 --gen-seed 1 \
  --max-error-rate 0 "$@" || status=$?

if ! kill -0 "$pid" 2>/dev/null; then
  echo "loadtest: the server exited during the run; its log:" >&2
  cat "$log" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "loadtest: bench failed (exit $status); server log tail:" >&2
  tail -20 "$log" >&2
fi
exit "$status"
