#!/usr/bin/env bash
# Instructions per proxied request, counted by valgrind's callgrind: the gateway's public route
# next to the nginx plain proxy doing the same job (bench/README.md explains it).
#
#   bench/instructions.sh [--requests N] [--top K] [--tls] [--credentials] [--no-build]
#
# Each measured process runs twice under `valgrind --tool=callgrind`, once for N/6 and once for N
# requests (default 12000: 2000 and 12000) of `h2load --h1 -c 8 -m 1` to /public/item, with an
# nginx upstream answering a fixed 24-byte body; (total of the long run - total of the short run)
# / (N - N/6) is the cost of one request, start-up and shutdown cancelled out. Rows: nginx (one
# worker, master_process off, keep-alive pool), the gateway (threads = 1) with the audit to
# /dev/null, the gateway with the audit to a hash-chained file. --tls adds four rows over TLS 1.3
# with one self-signed P-256 certificate, nginx `ssl http2` and the gateway with [server] tls
# (audit to /dev/null): HTTP/1.1 (h2load --h1 -c 8 -m 1 https://...) and HTTP/2 (h2load -c 8
# -m 10), each gateway row against the nginx row of its protocol; the 8 handshakes of a run are
# in both runs and cancel out. Prints the instructions per request of each, the ratios to nginx,
# and the top K functions (default 40) of the gateway with audit to /dev/null by inclusive
# instructions per request, Swift names demangled; writes bench/results/instructions-latest.txt.
# --credentials adds rows of one more gateway configuration (bench/conf/routes/gateway.conf, audit
# to /dev/null): its public route, then X-API-Key and HS256, ES256 and RS256 bearer tokens (one
# token each, so the verified-token cache is warm), each divided by that public route; the top K
# functions of the ES256 row follow. The counts cover user space only, every thread. Needs
# valgrind, h2load (nghttp2-client), nginx, curl, strip (binutils), openssl with --tls or
# --credentials. Ports 18050-18053, 18054-18055 with --tls, 18056 with --credentials. About
# 1 min; about 3 min with --tls, about 1 more with --credentials.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

requests=12000
top=40
skip_build=0
tls=0
credentials=0
usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --requests) requests=$2; shift 2 ;;
        --top) top=$2; shift 2 ;;
        --tls) tls=1; shift ;;
        --credentials) credentials=1; shift ;;
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
nginx_tls_port=18054     # --tls: nginx `ssl http2`, HTTP/1.1 over TLS and HTTP/2
gateway_tls_port=18055   # --tls: the gateway with [server] tls, audit to /dev/null
gateway_routes_port=18056 # --credentials: bench/conf/routes/gateway.conf, audit to /dev/null

tools=(valgrind:valgrind callgrind_annotate:valgrind h2load:nghttp2-client 'nginx:nginx-light|nginx'
    curl:curl strip:binutils python3:python3 pgrep:procps)
ports=("$upstream_port" "$nginx_port" "$gateway_port" "$gateway_audit_port")
if [ "$tls" = 1 ]; then
    tools+=(openssl:openssl)
    ports+=("$nginx_tls_port" "$gateway_tls_port")
fi
if [ "$credentials" = 1 ]; then
    tools+=(openssl:openssl)
    ports+=("$gateway_routes_port")
fi
ensure_tools "${tools[@]}"
build_gateway

make_run_folder instructions
check_ports_free "${ports[@]}"
started_at=$SECONDS

# valgrind 3.19 cannot read the DWARF 5 debug information of the Swift release binary; without
# it the symbol table remains, and with it the function names.
log "strip --strip-debug $gateway"
strip --strip-debug -o "$tmp/gateway-nd" "$gateway"

# --- configuration -------------------------------------------------------------------------------
mkdir -p "$tmp/nginx-upstream-body" "$tmp/nginx-proxy-body"
tpl_TMP=$tmp tpl_UPSTREAM_PORT=$upstream_port render "$bench_dir/conf/nginx-upstream.conf" "$tmp/nginx-upstream.conf"
# conf/nginx-proxy.conf's proxy, in one process (no master) so that callgrind follows the worker.
#   nginx_proxy_conf NAME PORT [LISTEN_PARAMETERS [HTTP_LINE [SERVER_LINES]]]
# NAME names its pid, log and temporary paths; LISTEN_PARAMETERS go on the listen line, HTTP_LINE
# after keepalive_timeout, SERVER_LINES after the listen line (the TLS listener of --tls).
nginx_proxy_conf() {
    local name=$1 port=$2 listen=${3:+ $3} http_line=${4:+$'\n'"    $4"} server_lines=${5:-}
    cat <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $tmp/$name.pid;
error_log $tmp/$name.error.log warn;
events { worker_connections 16384; }
http {
    access_log off;
    client_body_temp_path $tmp/$name-body;
    proxy_temp_path $tmp/$name-proxy;
    fastcgi_temp_path $tmp/$name-fastcgi;
    uwsgi_temp_path $tmp/$name-uwsgi;
    scgi_temp_path $tmp/$name-scgi;
    keepalive_requests 10000000;
    keepalive_timeout 300s;$http_line
    upstream bench_upstream {
        server 127.0.0.1:$upstream_port;
        keepalive 64;
        keepalive_requests 10000000;
    }
    server {
        listen 127.0.0.1:$port$listen backlog=4096;$server_lines
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
}
nginx_proxy_conf nginx-proxy $nginx_port >"$tmp/nginx-proxy.conf"
public_route_conf $gateway_port $upstream_port /dev/null false >"$tmp/gateway.conf"
public_route_conf $gateway_audit_port $upstream_port "$tmp/audit.log" true >"$tmp/gateway-audit.conf"
gateway_confs=(gateway gateway-audit)
if [ "$tls" = 1 ]; then
    log "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 (self-signed, for this run)"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/tls.key" \
        -out "$tmp/tls.crt" -days 2 -subj /CN=localhost >"$tmp/openssl.log" 2>&1 \
        || { cat "$tmp/openssl.log" >&2; die "openssl could not make the certificate"; }
    # The plain proxy above on a TLS listener (`ssl http2`: ALPN h2 and http/1.1, as the gateway's
    # [server] tls), as conf/nginx-tls.conf. http2_max_requests is obsolete since nginx 1.19.7
    # (keepalive_requests covers HTTP/2) but 1.22 accepts it with a warning: set where accepted.
    mkdir -p "$tmp/nginx-tls-body"
    tls_server_lines="
        ssl_certificate $tmp/tls.crt;
        ssl_certificate_key $tmp/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;"
    nginx_proxy_conf nginx-tls $nginx_tls_port "ssl http2" "http2_max_requests 10000000;" "$tls_server_lines" \
        >"$tmp/nginx-tls.conf"
    if ! nginx -t -q -e "$tmp/nginx-tls.error.log" -c "$tmp/nginx-tls.conf" >"$tmp/nginx-tls-check.log" 2>&1; then
        log "nginx -t refuses nginx-tls.conf with http2_max_requests: left out"
        nginx_proxy_conf nginx-tls $nginx_tls_port "ssl http2" "" "$tls_server_lines" >"$tmp/nginx-tls.conf"
        nginx -t -q -e "$tmp/nginx-tls.error.log" -c "$tmp/nginx-tls.conf" >"$tmp/nginx-tls-check.log" 2>&1 \
            || { cat "$tmp/nginx-tls-check.log" >&2; die "nginx -t failed on nginx-tls.conf"; }
    fi
    public_route_conf $gateway_tls_port $upstream_port /dev/null false \
        | sed "/^listen = /a tls = { cert_file = \"$tmp/tls.crt\", key_file = \"$tmp/tls.key\" }" >"$tmp/gateway-tls.conf"
    grep -q '^tls = ' "$tmp/gateway-tls.conf" || die "gateway-tls.conf: no tls line"
    gateway_confs+=(gateway-tls)
fi
# Each row's path and, for the credential rows, its header (h2load -H and curl -H).
declare -A row_path row_header
if [ "$credentials" = 1 ]; then
    log "keys and tokens for the credential rows"
    openssl rand -hex 32 | tr -d '\n' >"$tmp/hs256.secret"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/es256.pem" 2>/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rs256.pem" 2>/dev/null
    openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.pem" 2>/dev/null
    for name in es256 rs256 ed25519; do openssl pkey -in "$tmp/$name.pem" -pubout -out "$tmp/$name.pub.pem"; done
    chmod 600 "$tmp"/*.pem "$tmp/hs256.secret"
    key_output=$("$gateway" key new --id bench --scopes bench:read)
    api_key=$(grep -Eo '[A-Za-z0-9]+_[A-Za-z0-9_-]{43}' <<<"$key_output" | head -1)
    api_key_hash=$(grep -Eo 'sha256:[0-9a-f]{64}' <<<"$key_output" | head -1)
    [ -n "$api_key" ] && [ -n "$api_key_hash" ] || die "could not read the key from 'gateway key new'"
    tpl_TMP=$tmp tpl_GATEWAY_PORT=$gateway_routes_port tpl_AUDIT_SINK=/dev/null tpl_HASH_CHAIN=false \
        tpl_REPLAY_STORE=memory tpl_API_KEY_HASH=$api_key_hash tpl_UPSTREAM_PORT=$upstream_port render "$bench_dir/conf/routes/gateway.conf" \
        "$tmp/gateway-routes.conf"
    gateway_confs+=(gateway-routes)
    row_header[routes-apikey]="X-API-Key: $api_key"
    for alg in HS256 ES256 RS256; do
        case $alg in HS256) key=$tmp/hs256.secret ;; *) key=$tmp/$(tr 'A-Z' 'a-z' <<<"$alg").pem ;; esac
        token=$("$gateway" token mint --key "$key" --alg $alg --kid "bench-$(tr 'A-Z' 'a-z' <<<"$alg")" \
            --sub bench --scope bench:read --ttl 12h --jti)
        row_header[routes-$(tr 'A-Z' 'a-z' <<<"$alg")]="Authorization: Bearer $token"
    done
    for id in routes-apikey routes-hs256 routes-es256 routes-rs256; do row_path[$id]=/api/item; done
fi
for conf in "${gateway_confs[@]}"; do
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

# callgrind_run ID LOAD PORT REQUESTS COMMAND...: runs COMMAND under callgrind, waits until it
# answers on PORT, sends REQUESTS requests, stops it with SIGTERM (callgrind writes its file as the
# process exits) and sets $total to the instructions the whole process executed. LOAD: h1 (plain
# HTTP/1.1), tls-h1 (HTTP/1.1 over TLS) or h2 (HTTP/2 over TLS, by ALPN).
callgrind_run() {
    local id=$1 load=$2 port=$3 count=$4
    shift 4
    local name=$id-$count scheme=http curl_tls=() h2load_flags=(--h1 -c 8 -m 1) protocol=http/1.1
    case $load in
        h1) ;;
        tls-h1) scheme=https curl_tls=(-k) ;;
        h2) scheme=https curl_tls=(-k) h2load_flags=(-c 8 -m 10) protocol=h2 ;;
        *) die "callgrind_run: unknown load $load" ;;
    esac
    local url=$scheme://127.0.0.1:$port${row_path[$id]:-/public/item} header=()
    [ -z "${row_header[$id]:-}" ] || header=(-H "${row_header[$id]}")
    local out=$tmp/callgrind.$name
    log "$id: $count requests under callgrind"
    start_process "$name" valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=no "$@"
    local pid=$last_pid code=000 waited=0
    # Valgrind takes several seconds to start the process. This request is in both runs of a row.
    until [ "$code" = 200 ]; do
        kill -0 "$pid" 2>/dev/null || die "$id exited at start (log: $tmp/$name.log)"
        [ "$waited" -lt 240 ] || die "$id did not answer within 120 s (log: $tmp/$name.log)"
        code=$(curl -s ${curl_tls[@]+"${curl_tls[@]}"} ${header[@]+"${header[@]}"} -o /dev/null -w '%{http_code}' --max-time 30 "$url" || true)
        case $code in 200 | 000) ;; *) die "$id answered $code to $url (log: $tmp/$name.log)" ;; esac
        [ "$code" = 200 ] || { sleep 0.5; waited=$((waited + 1)); }
    done
    timeout 600 h2load "${h2load_flags[@]}" ${header[@]+"${header[@]}"} -n "$count" "$url" >"$tmp/h2load.$name" 2>&1 \
        || { cat "$tmp/h2load.$name" >&2; die "h2load failed on $id"; }
    if ! grep -Eq "^requests: $count total, $count started, $count done, $count succeeded, 0 failed" "$tmp/h2load.$name" \
        || ! grep -Eq "^status codes: $count 2xx" "$tmp/h2load.$name"; then
        grep -E '^(requests|status codes):' "$tmp/h2load.$name" >&2
        die "$id: not every request answered 2xx"
    fi
    if [ "$scheme" = https ] && { ! grep -q '^TLS Protocol: TLSv1.3$' "$tmp/h2load.$name" \
        || ! grep -q "^Application protocol: $protocol\$" "$tmp/h2load.$name"; }; then
        grep -E '^(TLS Protocol|Application protocol):' "$tmp/h2load.$name" >&2
        die "$id: not TLS 1.3 with $protocol"
    fi
    kill -TERM "$pid"
    for _ in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then die "$id did not exit within 120 s of SIGTERM (log: $tmp/$name.log)"; fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
    [ -s "$out" ] || die "callgrind wrote no $out (log: $tmp/$name.log)"
    total=$(python3 "$bench_dir/lib/profile_callgrind.py" total "$out")
}

# measure ID LOAD PORT COMMAND...: both runs; sets per_request_ID (instructions, one decimal).
ids=()
measure() {
    local id=$1 load=$2 port=$3
    shift 3
    callgrind_run "$id" "$load" "$port" "$small" "$@"
    local small_total=$total
    callgrind_run "$id" "$load" "$port" "$requests" "$@"
    local value
    value=$(awk -v a="$small_total" -v b="$total" -v n="$measured" 'BEGIN {printf "%.1f", (b - a) / n}')
    printf -v "per_request_${id//-/_}" '%s' "$value"
    ids+=("$id")
    log "$id: $value instructions per request"
}

measure nginx h1 $nginx_port nginx -e "$tmp/nginx-proxy.error.log" -c "$tmp/nginx-proxy.conf"
measure gateway h1 $gateway_port "$tmp/gateway-nd" run --config "$tmp/gateway.conf"
measure gateway-audit h1 $gateway_audit_port "$tmp/gateway-nd" run --config "$tmp/gateway-audit.conf"
[ -s "$tmp/audit.log" ] || die "the hash-chained audit file is empty"
if [ "$tls" = 1 ]; then
    # One nginx TLS listener and one gateway TLS listener, each loaded over HTTP/1.1 and over HTTP/2.
    # A run's 8 TLS handshakes (one per h2load connection) are in both runs and cancel out.
    measure nginx-tls tls-h1 $nginx_tls_port nginx -e "$tmp/nginx-tls.error.log" -c "$tmp/nginx-tls.conf"
    measure gateway-tls tls-h1 $gateway_tls_port "$tmp/gateway-nd" run --config "$tmp/gateway-tls.conf"
    measure nginx-h2 h2 $nginx_tls_port nginx -e "$tmp/nginx-tls.error.log" -c "$tmp/nginx-tls.conf"
    measure gateway-h2 h2 $gateway_tls_port "$tmp/gateway-nd" run --config "$tmp/gateway-tls.conf"
fi
if [ "$credentials" = 1 ]; then
    for id in routes-public routes-apikey routes-hs256 routes-es256 routes-rs256; do
        measure $id h1 $gateway_routes_port "$tmp/gateway-nd" run --config "$tmp/gateway-routes.conf"
    done
fi
stop_started

# --- report --------------------------------------------------------------------------------------
row_label() {
    case $1 in
        nginx) echo "nginx plain proxy (one worker)" ;;
        gateway) echo "gateway, audit to /dev/null" ;;
        gateway-audit) echo "gateway, audit to a hash-chained file" ;;
        nginx-tls) echo "nginx HTTP/1.1 over TLS" ;;
        gateway-tls) echo "gateway HTTP/1.1 over TLS" ;;
        nginx-h2) echo "nginx HTTP/2" ;;
        gateway-h2) echo "gateway HTTP/2" ;;
        routes-public) echo "routes.conf: public route" ;;
        routes-apikey) echo "routes.conf: X-API-Key" ;;
        routes-hs256) echo "routes.conf: HS256 bearer (cache warm)" ;;
        routes-es256) echo "routes.conf: ES256 bearer (cache warm)" ;;
        routes-rs256) echo "routes.conf: RS256 bearer (cache warm)" ;;
    esac
}
# The nginx row a row is divided by: the one of the same protocol.
reference() {
    case $1 in
        *-tls) echo nginx-tls ;;
        *-h2) echo nginx-h2 ;;
        routes-public) echo nginx ;;
        routes-*) echo routes-public ;;
        *) echo nginx ;;
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
    if [ "$tls" = 1 ]; then
        echo "TLS rows: TLS 1.3, one self-signed P-256 certificate, nginx ssl http2 and the gateway's [server] tls" \
            "(audit to /dev/null); HTTP/1.1 over TLS: h2load --h1 -c 8 -m 1 https://...; HTTP/2 (ALPN h2): h2load -c 8 -m 10;" \
            "each run's 8 handshakes cancel out"
    fi
    if [ "$credentials" = 1 ]; then
        echo "routes.conf rows: bench/conf/routes/gateway.conf with the audit to /dev/null, GET /api/item with one" \
            "credential each (one token per algorithm: the verified-token cache is warm), each / its public route"
    fi
    echo
    printf '%-40s %14s %9s\n' row instr/request "x ref"
    for id in "${ids[@]}"; do
        value=$(per_request "$id")
        ref=$(reference "$id")
        note=""
        [ "$tls" = 0 ] && [ "$credentials" = 0 ] || note="  (/ $(row_label "$ref" | sed 's/ (one worker)$//'))"
        printf '%-40s %14s %9s%s\n' "$(row_label "$id")" "$(group "$value")" \
            "$(awk -v v="$value" -v n="$(per_request "$ref")" 'BEGIN {printf "%.2f", v / n}')" "$note"
    done
    delta=$(awk -v a="$(per_request gateway-audit)" -v b="$(per_request gateway)" 'BEGIN {printf "%.0f", a - b}')
    if [ "$delta" -ge 0 ]; then more="more"; else more="fewer"; delta=${delta#-}; fi
    echo "the audit to a hash-chained file: $(group "$delta") instructions per request $more than to /dev/null"
    echo
    echo "gateway, audit to /dev/null:"
    python3 "$bench_dir/lib/profile_callgrind.py" top "$tmp/callgrind.gateway-$small" "$tmp/callgrind.gateway-$requests" \
        "$measured" "$top"
    if [ "$credentials" = 1 ]; then
        echo
        echo "routes.conf, ES256 bearer (cache warm):"
        python3 "$bench_dir/lib/profile_callgrind.py" top "$tmp/callgrind.routes-es256-$small" \
            "$tmp/callgrind.routes-es256-$requests" "$measured" "$top"
    fi
} | tee "$out"
log "written: $out ($((SECONDS - started_at)) s)"
