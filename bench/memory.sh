#!/usr/bin/env bash
# The gateway's memory: RSS at 10,000 idle keep-alive connections, and RSS growth while a 1 GiB
# download and a 1 GiB upload stream through it (bench/README.md explains it).
#
#   bench/memory.sh [--connections N] [--threads N] [--size-mib N] [--no-nginx] [--no-build]
#
# Targets: RSS under 40 MiB at 10,000 idle connections (issue 7 asked for 64); growth under 64 MiB
# while streaming. Writes bench/results/memory-latest.json.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

connections=10000
threads=1
compare_nginx=1
size_mib=1024
skip_build=0
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --size-mib) size_mib=$2; shift 2 ;;
        --no-build) skip_build=1; shift ;;
        --no-nginx) compare_nginx=0; shift ;;
        -h | --help) usage 0 ;;
        *) echo "unknown option: $1" >&2; usage 2 ;;
    esac
done

upstream_port=18090
sink_port=18091
gateway_port=18092
nginx_port=18093     # nginx as a plain proxy, for the same idle-connection test
nginx_log_port=18094

ensure_tools 'nginx:nginx-light|nginx' curl:curl python3:python3 taskset:util-linux pgrep:procps ss:iproute2
build_gateway

# Each process holds a socket per connection: the client its 10,000, the gateway (which inherits
# the limit) the 10,000 it accepted.
want_files=$((connections + 1000))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want_files" ]; then
    ulimit -n "$want_files" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((connections + 500)) ] \
    || die "open files limit $(ulimit -n) is too low for $connections connections (raise the hard limit)"

make_run_folder memory
check_ports_free $upstream_port $sink_port $gateway_port $nginx_port $nginx_log_port

size_bytes=$((size_mib * 1024 * 1024))
truncate -s "$size_bytes" "$tmp/big.bin" # sparse: read from the page cache, never from disk

tpl_TMP=$tmp
tpl_UPSTREAM_PORT=$upstream_port
tpl_SINK_PORT=$sink_port
tpl_GATEWAY_PORT=$gateway_port
tpl_THREADS=$threads
mkdir -p "$tmp/nginx-upstream-body"
render "$bench_dir/conf/nginx-upstream.conf" "$tmp/nginx-upstream.conf"
render "$bench_dir/conf/gateway-memory.conf" "$tmp/gateway.conf"

start_pinned 1 nginx-upstream nginx -e "$tmp/nginx-upstream.error.log" -c "$tmp/nginx-upstream.conf"
wait_for_port $upstream_port "$last_pid" nginx-upstream
start_pinned 1 upload-sink python3 "$bench_dir/lib/upload_sink.py" $sink_port
wait_for_port $sink_port "$last_pid" upload-sink
"$gateway" check -c "$tmp/gateway.conf" >&2 || die "gateway check failed"
start_pinned 0 gateway "$gateway" run -c "$tmp/gateway.conf"
gateway_pid=$last_pid
wait_for_port $gateway_port "$gateway_pid" gateway

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
peak_reset() { echo 5 >"/proc/$gateway_pid/clear_refs"; }
peak_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$gateway_pid/status"; }
upstream_connections() { ss -Htn state established "( dport = :$1 )" | wc -l; }

log "gateway pid $gateway_pid, threads = $threads, open files limit $(ulimit -n)"
rss_start=$(rss_kib "$gateway_pid")

# --- streaming (first, while the heap holds nothing from the idle connections) ------------------
# Peak RSS of a transfer: the kernel's high-water mark (VmHWM), reset before it (clear_refs 5).
stream() { # NAME CURL_ARGS...
    local name=$1
    shift
    sleep 1
    local before
    before=$(rss_kib "$gateway_pid")
    peak_reset
    local started=$SECONDS
    local result
    result=$(curl -sS -o "$tmp/$name.body" -w '%{http_code} %{size_download} %{size_upload} %{speed_download} %{speed_upload}' "$@")
    local peak
    peak=$(peak_kib)
    read -r code down up speed_down speed_up <<<"$result"
    local speed=$speed_down
    [ "$name" = upload ] && speed=$speed_up
    eval "${name}_before=$before ${name}_peak=$peak ${name}_code=$code ${name}_seconds=$((SECONDS - started))"
    eval "${name}_mib_s=$(awk -v s="$speed" 'BEGIN {printf "%.0f", s / 1048576}')"
    log "$name: HTTP $code, down $down B, up $up B; RSS before $(mib "$before") MiB, peak $(mib "$peak") MiB, growth $(mib $((peak - before))) MiB"
}

log "downloading $size_mib MiB through the gateway"
stream download "http://127.0.0.1:$gateway_port/big"
[ "$download_code" = 200 ] || die "the download answered $download_code"
[ "$(stat -c %s "$tmp/download.body")" = "$size_bytes" ] || die "the download was cut short"
rm -f "$tmp/download.body"

log "uploading $size_mib MiB through the gateway"
stream upload -H 'Expect:' -T "$tmp/big.bin" "http://127.0.0.1:$gateway_port/upload/big"
[ "$upload_code" = 200 ] || die "the upload answered $upload_code: $(head -c 300 "$tmp/upload.body")"
grep -q "received $size_bytes" "$tmp/upload.body" || die "the sink did not receive the whole body: $(cat "$tmp/upload.body")"

# --- idle keep-alive connections ---------------------------------------------------------------
rss_tree_kib() { # RSS of a process and its descendants (nginx: master + worker)
    local pid total=0
    for pid in "$1" $(descendants "$1"); do total=$((total + $(rss_kib "$pid"))); done
    echo "$total"
}

# hold_idle NAME PID PORT PATH: opens $connections keep-alive connections to PORT, one request
# each, reads the RSS of PID once they are all idle, closes them, reads it again. Sets
# idle_base, idle_rss, idle_closed, idle_per_connection, idle_pool (upstream connections).
hold_idle() {
    local name=$1 pid=$2 port=$3 path=$4
    # Warm-up: the same client on 100 connections, closed again, so code pages, the upstream
    # pool and the allocator's first arenas are in the baseline.
    rm -f "$tmp/warmup.out" "$tmp/idle.out" # not to read the previous round's "ready"
    timeout 60 python3 "$bench_dir/lib/idle_clients.py" "$port" "$path" 100 >"$tmp/warmup.out" 2>&1 &
    local client=$!
    started_pids+=("$client")
    for _ in $(seq 300); do grep -q ready "$tmp/warmup.out" 2>/dev/null && break; sleep 0.1; done
    kill "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true
    sleep 2
    idle_base=$(rss_tree_kib "$pid")

    log "$name: opening $connections keep-alive connections, one request each (RSS before $(mib "$idle_base") MiB)"
    local opened_at=$SECONDS
    python3 "$bench_dir/lib/idle_clients.py" "$port" "$path" "$connections" 4 >"$tmp/idle.out" 2>"$tmp/idle.err" &
    client=$!
    started_pids+=("$client")
    until grep -q ready "$tmp/idle.out" 2>/dev/null; do
        kill -0 "$client" 2>/dev/null || die "the idle client failed: $(tail -3 "$tmp/idle.err")"
        [ $((SECONDS - opened_at)) -lt 600 ] || die "the idle client did not finish in 600 s"
        sleep 0.5
    done
    local ready_line established
    ready_line=$(grep ready "$tmp/idle.out")
    grep -q "statuses={'200': $connections}" <<<"$ready_line" || die "$name: not every request answered 200: $ready_line"
    sleep 3
    idle_rss=$(rss_tree_kib "$pid")
    established=$(ss -Htn state established "( sport = :$port )" | wc -l)
    idle_pool=$(upstream_connections $upstream_port)
    idle_per_connection=$(((idle_rss - idle_base) * 1024 / connections))
    log "$name: RSS at $established idle connections $(mib "$idle_rss") MiB: $idle_per_connection bytes per connection ($((SECONDS - opened_at)) s; upstream pool $idle_pool)"
    kill "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true
    sleep 3
    idle_closed=$(rss_tree_kib "$pid")
    log "$name: RSS after the clients closed $(mib "$idle_closed") MiB"
}

hold_idle gateway "$gateway_pid" $gateway_port /public/idle
rss_idle_base=$idle_base rss_idle=$idle_rss rss_after_close=$idle_closed
per_connection=$idle_per_connection upstream_pool=$idle_pool
# A second time: if the RSS climbs again by as much, closed connections leak; if it stays, the
# allocator kept the first round's memory and reuses it.
hold_idle "gateway (second time)" "$gateway_pid" $gateway_port /public/idle
rss_idle_again=$idle_rss

# The same against nginx as a plain proxy (one worker), for scale.
nginx_per_connection=None nginx_idle=None nginx_base=None # Python literals in the JSON below
if [ "$compare_nginx" = 1 ]; then
    tpl_NGINX_PORT=$nginx_port
    tpl_NGINX_LOG_PORT=$nginx_log_port
    render "$bench_dir/conf/nginx-proxy.conf" "$tmp/nginx-proxy.conf"
    mkdir -p "$tmp/nginx-proxy-body"
    start_pinned 0 nginx-proxy nginx -e "$tmp/nginx-proxy.error.log" -c "$tmp/nginx-proxy.conf"
    nginx_pid=$last_pid
    wait_for_port $nginx_port "$nginx_pid" nginx-proxy
    hold_idle nginx "$nginx_pid" $nginx_port /public/idle
    nginx_per_connection=$idle_per_connection nginx_idle=$idle_rss nginx_base=$idle_base
fi

# --- report ------------------------------------------------------------------------------------
mkdir -p "$bench_dir/results"
download_growth=$((download_peak - download_before))
upload_growth=$((upload_peak - upload_before))
verdict() { [ "$1" -lt $((64 * 1024)) ] && echo "under 64 MiB" || echo "OVER 64 MiB"; }
# Idle connections: issue 7 asked for under 64 MiB, the current target is under 40 MiB.
idle_verdict() {
    if [ "$1" -lt $((40 * 1024)) ]; then echo "under the 40 MiB target"
    else echo "OVER the 40 MiB target by $(mib $(($1 - 40 * 1024))) MiB; $(verdict "$1")"; fi
}
{
    echo "gateway memory ($(date -u +%Y-%m-%dT%H:%M:%SZ), threads = $threads, $(nproc) CPUs, $(cpu_model), load average $(load_average))"
    row() { printf '  %-44s %s\n' "$1" "$2"; }
    row "RSS at start" "$(mib "$rss_start") MiB"
    row "RSS idle baseline (after a warm-up)" "$(mib "$rss_idle_base") MiB"
    row "RSS at $connections idle keep-alive connections" "$(mib "$rss_idle") MiB ($(idle_verdict "$rss_idle"))"
    row "per idle connection" "$per_connection bytes (RSS growth / $connections; upstream pool $upstream_pool)"
    row "RSS after those clients closed" "$(mib "$rss_after_close") MiB"
    row "RSS at $connections again (second round)" "$(mib "$rss_idle_again") MiB"
    if [ "$compare_nginx" = 1 ]; then
        row "nginx proxy, same test" "$(mib "$nginx_base") -> $(mib "$nginx_idle") MiB: $nginx_per_connection bytes per connection"
    fi
    row "$size_mib MiB download: peak RSS growth" "$(mib "$download_growth") MiB ($(verdict "$download_growth")), ${download_mib_s} MiB/s"
    row "$size_mib MiB upload: peak RSS growth" "$(mib "$upload_growth") MiB ($(verdict "$upload_growth")), ${upload_mib_s} MiB/s"
} | tee "$bench_dir/results/memory-latest.txt"
python3 - "$bench_dir/results/memory-latest.json" <<EOF
import json, sys
json.dump({
    "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "threads": $threads, "nproc": $(nproc), "cpu_model": "$(cpu_model)",
    "load_average": "$(load_average)", "gateway_commit": "$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)",
    "connections": $connections, "rss_start_kib": $rss_start, "rss_idle_baseline_kib": $rss_idle_base,
    "rss_idle_connections_kib": $rss_idle, "bytes_per_idle_connection": $per_connection,
    "upstream_pool_connections": $upstream_pool, "rss_after_close_kib": $rss_after_close,
    "rss_idle_connections_second_time_kib": $rss_idle_again,
    "nginx_proxy": {"rss_baseline_kib": $nginx_base, "rss_idle_connections_kib": $nginx_idle,
                    "bytes_per_idle_connection": $nginx_per_connection},
    "transfer_mib": $size_mib,
    "download": {"rss_before_kib": $download_before, "rss_peak_kib": $download_peak, "growth_kib": $download_growth,
                 "mib_per_s": $download_mib_s},
    "upload": {"rss_before_kib": $upload_before, "rss_peak_kib": $upload_peak, "growth_kib": $upload_growth,
               "mib_per_s": $upload_mib_s},
}, open(sys.argv[1], "w"), indent=2)
EOF
echo "written: bench/results/memory-latest.json"
