#!/usr/bin/env bash
# Instructions per proxied request, counted by valgrind's callgrind: the gateway's public route
# next to the nginx plain proxy doing the same job (bench/README.md explains it).
#
#   bench/instructions.sh [--requests N] [--top K] [--no-build]
#
# Each measured process runs twice under `valgrind --tool=callgrind`, once for N/6 and once for N
# requests (default 12000: 2000 and 12000) of `h2load --h1 -c 8 -m 1` to /public/item, with an
# nginx upstream answering a fixed 24-byte body; (total of the long run - total of the short run)
# / (N - N/6) is the cost of one request, start-up and shutdown cancelled out. Rows: nginx (one
# worker, master_process off, keep-alive pool), the gateway (threads = 1) with the audit to
# /dev/null, the gateway with the audit to a hash-chained file. Prints the instructions per request
# of each, the ratios to nginx, and the top K functions (default 40) of the gateway with audit to
# /dev/null by inclusive instructions per request, Swift names demangled; writes
# bench/results/instructions-latest.txt. The counts cover user space only, every thread. Needs
# valgrind, h2load (nghttp2-client), nginx, curl, strip (binutils). Ports 18050-18053. About 1 min.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

requests=12000
top=40
skip_build=0
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --requests) requests=$2; shift 2 ;;
        --top) top=$2; shift 2 ;;
        --no-build) skip_build=1; shift ;;
        -h | --help) usage 0 ;;
        *) echo "unknown option: $1" >&2; usage 2 ;;
    esac
done
if ! [[ $requests =~ ^[1-9][0-9]*$ ]] || [ "$requests" -lt 600 ]; then die "--requests takes a whole number of at least 600"; fi
[[ $top =~ ^[1-9][0-9]*$ ]] || die "--top takes a whole number"
small=$((requests / 6))
measured=$((requests - small)) # the requests between the two runs
upstream_port=18050
nginx_port=18051
gateway_port=18052       # audit to /dev/null, no hash chain
gateway_audit_port=18053 # audit to a hash-chained file

ensure_tools valgrind:valgrind callgrind_annotate:valgrind h2load:nghttp2-client 'nginx:nginx-light|nginx' \
    curl:curl strip:binutils python3:python3 pgrep:procps
build_gateway

tmp=$(mktemp -d /tmp/gateway-instructions.XXXXXX)
chmod 755 "$tmp"
cleanup() {
    stop_started
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
check_ports_free $upstream_port $nginx_port $gateway_port $gateway_audit_port
started_at=$SECONDS

# valgrind 3.19 cannot read the DWARF 5 debug information of the Swift release binary; without
# it the symbol table remains, and with it the function names.
log "strip --strip-debug $gateway"
strip --strip-debug -o "$tmp/gateway-nd" "$gateway"

# --- configuration -------------------------------------------------------------------------------
mkdir -p "$tmp/nginx-upstream-body" "$tmp/nginx-proxy-body"
tpl_TMP=$tmp tpl_UPSTREAM_PORT=$upstream_port render "$bench_dir/conf/nginx-upstream.conf" "$tmp/nginx-upstream.conf"
# conf/nginx-proxy.conf's proxy, in one process (no master) so that callgrind follows the worker.
cat >"$tmp/nginx-proxy.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx-proxy.pid;
error_log $tmp/nginx-proxy.error.log warn;
events { worker_connections 16384; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx-proxy-body;
    proxy_temp_path $tmp/nginx-proxy-proxy;
    fastcgi_temp_path $tmp/nginx-proxy-fastcgi;
    uwsgi_temp_path $tmp/nginx-proxy-uwsgi;
    scgi_temp_path $tmp/nginx-proxy-scgi;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    upstream bench_upstream {
        server 127.0.0.1:$upstream_port;
        keepalive 64;
        keepalive_requests 10000000;
    }
    server {
        listen 127.0.0.1:$nginx_port backlog=4096;
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
public_route_conf $gateway_port $upstream_port /dev/null false >"$tmp/gateway.conf"
public_route_conf $gateway_audit_port $upstream_port "$tmp/audit.log" true >"$tmp/gateway-audit.conf"
for conf in gateway gateway-audit; do
    "$gateway" check -c "$tmp/$conf.conf" >"$tmp/check-$conf.log" 2>&1 \
        || { cat "$tmp/check-$conf.log" >&2; die "gateway check failed on $conf.conf"; }
done

# --- runs ----------------------------------------------------------------------------------------
start_process() { # NAME COMMAND...: in the background, logs to $tmp/NAME.log; sets $last_pid
    local name=$1
    shift
    "$@" >"$tmp/$name.log" 2>&1 &
    last_pid=$!
    started_pids+=("$last_pid")
}
forget_pid() {
    local pid kept=()
    for pid in "${started_pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    started_pids=(${kept[@]+"${kept[@]}"})
}

start_process nginx-upstream nginx -e "$tmp/nginx-upstream.error.log" -c "$tmp/nginx-upstream.conf"
wait_for_port $upstream_port "$last_pid" nginx-upstream

# callgrind_run ID PORT REQUESTS COMMAND...: runs COMMAND under callgrind, waits until it answers
# on PORT, sends REQUESTS requests, stops it with SIGTERM (callgrind writes its file as the process
# exits) and sets $total to the instructions the whole process executed.
callgrind_run() {
    local id=$1 port=$2 count=$3
    shift 3
    local name=$id-$count url=http://127.0.0.1:$port/public/item
    local out=$tmp/callgrind.$name
    log "$id: $count requests under callgrind"
    start_process "$name" valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=no "$@"
    local pid=$last_pid code=000 waited=0
    # Valgrind takes several seconds to start the process. This request is in both runs of a row.
    until [ "$code" = 200 ]; do
        kill -0 "$pid" 2>/dev/null || die "$id exited at start (log: $tmp/$name.log)"
        [ "$waited" -lt 240 ] || die "$id did not answer within 120 s (log: $tmp/$name.log)"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$url" || true)
        case $code in 200 | 000) ;; *) die "$id answered $code to $url (log: $tmp/$name.log)" ;; esac
        [ "$code" = 200 ] || { sleep 0.5; waited=$((waited + 1)); }
    done
    timeout 600 h2load --h1 -n "$count" -c 8 -m 1 "$url" >"$tmp/h2load.$name" 2>&1 \
        || { cat "$tmp/h2load.$name" >&2; die "h2load failed on $id"; }
    if ! grep -Eq "^requests: $count total, $count started, $count done, $count succeeded, 0 failed" "$tmp/h2load.$name" \
        || ! grep -Eq "^status codes: $count 2xx" "$tmp/h2load.$name"; then
        grep -E '^(requests|status codes):' "$tmp/h2load.$name" >&2
        die "$id: not every request answered 2xx"
    fi
    kill -TERM "$pid"
    for _ in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then die "$id did not exit within 120 s of SIGTERM (log: $tmp/$name.log)"; fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
    [ -s "$out" ] || die "callgrind wrote no $out (log: $tmp/$name.log)"
    total=$(python3 "$bench_dir/lib/profile_callgrind.py" total "$out")
}

# measure ID PORT COMMAND...: both runs; sets per_request_ID (instructions, one decimal).
ids=()
measure() {
    local id=$1 port=$2
    shift 2
    callgrind_run "$id" "$port" "$small" "$@"
    local small_total=$total
    callgrind_run "$id" "$port" "$requests" "$@"
    local value
    value=$(awk -v a="$small_total" -v b="$total" -v n="$measured" 'BEGIN {printf "%.1f", (b - a) / n}')
    printf -v "per_request_${id//-/_}" '%s' "$value"
    ids+=("$id")
    log "$id: $value instructions per request"
}

measure nginx $nginx_port nginx -e "$tmp/nginx-proxy.error.log" -c "$tmp/nginx-proxy.conf"
measure gateway $gateway_port "$tmp/gateway-nd" run --config "$tmp/gateway.conf"
measure gateway-audit $gateway_audit_port "$tmp/gateway-nd" run --config "$tmp/gateway-audit.conf"
[ -s "$tmp/audit.log" ] || die "the hash-chained audit file is empty"
stop_started

# --- report --------------------------------------------------------------------------------------
row_label() {
    case $1 in
        nginx) echo "nginx plain proxy (one worker)" ;;
        gateway) echo "gateway, audit to /dev/null" ;;
        gateway-audit) echo "gateway, audit to a hash-chained file" ;;
    esac
}
per_request() { local name="per_request_${1//-/_}"; echo "${!name}"; }
group() { printf '%.0f' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; } # 86839.4 -> 86,839
mkdir -p "$bench_dir/results"
out=$bench_dir/results/instructions-latest.txt
{
    echo "instructions per proxied request (valgrind --tool=callgrind), $(date -u +%Y-%m-%dT%H:%M:%SZ), gateway" \
        "$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown), binary $gateway"
    echo "$(valgrind --version), $(nginx -v 2>&1 | sed 's/^nginx version: //'); GET /public/item over HTTP/1.1" \
        "keep-alive (h2load --h1 -c 8 -m 1); (run of $requests - run of $small) / $measured requests; user space, every thread"
    echo
    printf '%-40s %14s %9s\n' row instr/request "x nginx"
    nginx_value=$(per_request nginx)
    for id in "${ids[@]}"; do
        value=$(per_request "$id")
        printf '%-40s %14s %9s\n' "$(row_label "$id")" "$(group "$value")" \
            "$(awk -v v="$value" -v n="$nginx_value" 'BEGIN {printf "%.2f", v / n}')"
    done
    delta=$(awk -v a="$(per_request gateway-audit)" -v b="$(per_request gateway)" 'BEGIN {printf "%.0f", a - b}')
    if [ "$delta" -ge 0 ]; then more="more"; else more="fewer"; delta=${delta#-}; fi
    echo "the audit to a hash-chained file: $(group "$delta") instructions per request $more than to /dev/null"
    echo
    echo "gateway, audit to /dev/null:"
    python3 "$bench_dir/lib/profile_callgrind.py" top "$tmp/callgrind.gateway-$small" "$tmp/callgrind.gateway-$requests" \
        "$measured" "$top"
} | tee "$out"
log "written: $out ($((SECONDS - started_at)) s)"
