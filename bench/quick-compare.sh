#!/usr/bin/env bash
# Quick comparison for a change: wrk straight to the nginx upstream vs. through the gateway,
# interleaved rounds, each target pinned the same way (proxy alone on CPU 0; wrk and the
# upstream on CPU 1). Prints req/s and the gateway/direct ratio. The full matrix (nginx and
# HAProxy as proxies, credentials, audit) is bench/run.sh.
#   bench/quick-compare.sh [ROUNDS] [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rounds=${1:-3}
seconds=${2:-10}
gateway=${GATEWAY_BIN:-$root/.build-release/release/gateway}
[ -x "$gateway" ] || { echo "build first: swift build -c release --scratch-path .build-release --product gateway"; exit 1; }
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs: apt-get install wrk nginx-light"; exit 1; }

cleanup() { kill "${upstream_pid:-}" "${gateway_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
taskset -c 1 nginx -c "$here/nginx-upstream.conf" & upstream_pid=$!
taskset -c 0 "$gateway" run -c "$here/gateway-public.conf" 2>/dev/null & gateway_pid=$!
for port in 9000 8080; do
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
done

measure() { taskset -c 1 wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {print $2}'; }
direct=(); proxied=()
for round in $(seq "$rounds"); do
    direct+=("$(measure 9000)")
    proxied+=("$(measure 8080)")
    echo "round $round: direct ${direct[-1]} req/s, gateway ${proxied[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
d=$(median "${direct[@]}"); g=$(median "${proxied[@]}")
echo "median: direct $d req/s, gateway $g req/s, ratio $(awk -v g="$g" -v d="$d" 'BEGIN {printf "%.2f", g/d}')"
