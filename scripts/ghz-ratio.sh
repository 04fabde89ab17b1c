#!/usr/bin/env bash
# ghz-ratio.sh [ROUNDS] [CALLS]
#
# Route against an empty call (grpc.health.v1.Health/Check), measured with
# ghz, one call at a time on one connection, as the ratio of their p50s in
# the same round. Four servers, measured in turn in each of ROUNDS (5)
# rounds of CALLS (4000) calls per method:
#   demo          `omniroute serve` on the demo network;
#   demo-replay   the same network served by router's TestServeForGhz,
#                 every Route after the first answering the first's answer
#                 without routing: what the answer alone costs, the least
#                 any server could reach;
#   1000          `omniroute serve` on the benchmarks' 1,000-node network
#                 (router's TestWriteBigNetwork);
#   1000-replay   that network, replayed.
# Every server routes on the wall clock, so all four answer the same order
# alike. Prints each round, then per server the medians of the p50s and of
# the rounds' own ratios. Needs ghz on PATH; run from the repository's root.
set -euo pipefail
rounds=${1:-5}; calls=${2:-4000}
dir=$(mktemp -d -t omniroute-ghz.XXXXXX)
go build -o "$dir/omniroute" ./cmd/omniroute
go test -c -o "$dir/router.test" ./router
(cd router && OMNIROUTE_BIG_DIR="$dir/big" "$dir/router.test" -test.run '^TestWriteBigNetwork$' >/dev/null)
printf '{"order": %s}\n' "$(cat examples/order.json)" >"$dir/route.json"

names=(demo demo-replay 1000 1000-replay)
ports=(56101 56102 56103 56104)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap "exit 1" INT TERM
serve() { # PORT [FLAGS...]
  local port=$1; shift
  "$dir/omniroute" serve --addr "127.0.0.1:$port" --metrics-addr "" --reflection "$@" >"$dir/$port.log" 2>&1 &
  pids+=($!)
}
replay() { # PORT NODES
  (cd router && OMNIROUTE_GHZ_ADDR=127.0.0.1:$1 OMNIROUTE_GHZ_NODES=$2 OMNIROUTE_GHZ_REPLAY=1 \
    OMNIROUTE_GHZ_SECONDS=86400 exec "$dir/router.test" -test.run '^TestServeForGhz$' -test.timeout 0 \
    >"$dir/$1.log" 2>&1) &
  pids+=($!)
}
serve "${ports[0]}"
replay "${ports[1]}" ""
serve "${ports[2]}" --network "$dir/big/network.yaml" --stock "$dir/big/stock.csv"
replay "${ports[3]}" 1000
for p in "${ports[@]}"; do
  for _ in $(seq 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
    sleep 0.5
  done
done

# p50 in µs of a ghz JSON report on stdin (read to its end: ghz must not
# see a closed pipe).
p50() {
  awk 'BEGIN { RS = "{" } !done && /"percentage":50,/ { match($0, /"latency":[0-9]+/); print substr($0, RSTART + 10, RLENGTH - 10) / 1000; done = 1 }'
}
out=$dir/rounds.txt
for r in $(seq "$rounds"); do
  for i in "${!names[@]}"; do
    a=127.0.0.1:${ports[$i]}
    e=$(ghz --insecure --call grpc.health.v1.Health/Check -d '{}' -c 1 -n "$calls" --connections 1 -O json "$a" | p50)
    t=$(ghz --insecure --call omniroute.v1.RoutingService/Route -D "$dir/route.json" -c 1 -n "$calls" --connections 1 -O json "$a" | p50)
    echo "${names[$i]} $r $e $t" | awk '{ printf "%-12s round %d  empty %7.1f µs  route %7.1f µs  %.2fx\n", $1, $2, $3, $4, $4 / $3 }' | tee -a "$out"
  done
done
echo
# median of the numbers on stdin, one a line
med() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for n in "${names[@]}"; do
  e=$(awk -v n="$n" '$1 == n { print $5 }' "$out" | med)
  t=$(awk -v n="$n" '$1 == n { print $8 }' "$out" | med)
  q=$(awk -v n="$n" '$1 == n { print substr($10, 1, length($10) - 1) }' "$out" | med)
  printf '%-12s median: empty %7.1f µs  route %7.1f µs  ratio %.2fx\n' "$n" "$e" "$t" "$q"
done
