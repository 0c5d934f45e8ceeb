#!/usr/bin/env bash
# Before and after: several gateway binaries on the public route, against the nginx plain proxy,
# in one interleaved run (nginx A B … nginx A B …), with run.sh's pinning.
#
#   bench/ab.sh [--rounds N] [--duration S] BINARY [BINARY…]
#
# For a change to the hot path or to the build flags: build each variant into its own scratch
# path, copy the binaries aside, and give them here. Prints each round, then the median CPU µs
# per request of each binary and its median per-round ratio to nginx. Every gateway audits to
# /dev/null (no chain), as run.sh's gw-public-noaudit row.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

rounds=5
duration=8
binaries=()
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option: $1" ;;
        *) binaries+=("$1"); shift ;;
    esac
done
[ ${#binaries[@]} -ge 1 ] || die "give at least one gateway binary"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive integer"
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration takes whole seconds"
ensure_tools

upstream_port=18180
nginx_port=18181  # and 18182, the access-log server of nginx-proxy.conf
first_gateway_port=18190
check_ports_free $upstream_port $nginx_port $((nginx_port + 1)) $(seq $first_gateway_port $((first_gateway_port + ${#binaries[@]} - 1)))

tmp=$(mktemp -d /tmp/gateway-ab.XXXXXX)
trap 'stop_started; rm -rf "$tmp"' EXIT

tpl_TMP=$tmp tpl_UPSTREAM_PORT=$upstream_port tpl_NGINX_PORT=$nginx_port tpl_NGINX_LOG_PORT=$((nginx_port + 1))
render "$bench_dir/conf/nginx-upstream.conf" "$tmp/nginx-upstream.conf"
render "$bench_dir/conf/nginx-proxy.conf" "$tmp/nginx-proxy.conf"
start_pinned 1 nginx-upstream nginx -e "$tmp/nginx-upstream.error.log" -c "$tmp/nginx-upstream.conf"
wait_for_port $upstream_port "$last_pid" nginx-upstream
start_pinned 0 nginx-proxy nginx -e "$tmp/nginx-proxy.error.log" -c "$tmp/nginx-proxy.conf"
nginx_pid=$last_pid
wait_for_port $nginx_port "$last_pid" nginx-proxy

names=(nginx)
pids=("$nginx_pid")
ports=("$nginx_port")
for index in "${!binaries[@]}"; do
    port=$((first_gateway_port + index))
    public_route_conf "$port" "$upstream_port" /dev/null false >"$tmp/gateway-$index.conf"
    start_pinned 0 "gateway-$index" "${binaries[$index]}" run -c "$tmp/gateway-$index.conf"
    wait_for_port "$port" "$last_pid" "gateway-$index"
    names+=("$index:$(basename "${binaries[$index]}")")
    pids+=("$last_pid")
    ports+=("$port")
done

# One measurement: prints "cpu_us_per_request requests_per_second".
measure() {
    local pid=$1 port=$2 before after requests
    taskset -c 1 wrk -t1 -c32 -d1s "http://127.0.0.1:$port/public/ab" >/dev/null
    before=$(cpu_ticks "$pid")
    local output
    output=$(taskset -c 1 wrk -t1 -c32 -d"${duration}s" "http://127.0.0.1:$port/public/ab")
    after=$(cpu_ticks "$pid")
    requests=$(awk '/requests in/ {print $1}' <<<"$output")
    [ -n "$requests" ] && [ "$requests" -gt 0 ] || die "no requests measured on port $port"
    awk -v b="$before" -v a="$after" -v n="$requests" -v hz="$clock_ticks" -v d="$duration" 'BEGIN {
        split(b, x, " "); split(a, y, " ")
        printf "%.1f %.0f\n", ((y[1] + y[2]) - (x[1] + x[2])) / hz * 1e6 / n, n / d
    }'
}

declare -A cpu_samples ratio_samples
for round in $(seq "$rounds"); do
    line="round $round:"
    nginx_cpu=""
    for index in "${!names[@]}"; do
        read -r cpu rps < <(measure "${pids[$index]}" "${ports[$index]}")
        [ "$index" = 0 ] && nginx_cpu=$cpu
        cpu_samples[$index]+="$cpu "
        ratio_samples[$index]+="$(awk -v c="$cpu" -v n="$nginx_cpu" 'BEGIN {printf "%.3f", c / n}') "
        line+="  ${names[$index]} ${cpu} µs (${rps}/s)"
    done
    log "$line"
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
printf '%-36s %12s %10s\n' "binary (public route, audit off)" "CPU µs/req" "x nginx"
for index in "${!names[@]}"; do
    printf '%-36s %12s %9sx\n' "${names[$index]}" "$(median <<<"${cpu_samples[$index]}")" "$(median <<<"${ratio_samples[$index]}")"
done
