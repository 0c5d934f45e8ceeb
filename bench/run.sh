#!/usr/bin/env bash
# The gateway against nginx and HAProxy, in one interleaved run (bench/README.md explains it).
#
#   bench/run.sh [--rounds N] [--duration S] [--only REGEX] [--tokens N] [--mint python|gateway]
#                [--warmup S] [--no-build]
#
# Every proxy runs alone on CPU 0 (taskset -c 0), one worker/thread each; wrk -t1 -c32 and the
# nginx upstream share CPU 1. Rows are measured round-robin (A B C … A B C …) for N rounds;
# each figure is the median over rounds, each ratio the median of the per-round ratios to the
# nginx plain proxy. Prints a table, writes bench/results/latest.json (and a dated copy).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

rounds=5
duration=10
only=""
token_count=20000
mint_with=python
warmup=2
skip_build=0
connections=32

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --tokens) token_count=$2; shift 2 ;;
        --mint) mint_with=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --no-build) skip_build=1; shift ;;
        -h | --help) usage 0 ;;
        *) echo "unknown option: $1" >&2; usage 2 ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive integer"
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration takes whole seconds"
[[ $warmup =~ ^[0-9]+$ ]] || die "--warmup takes whole seconds"
[[ $mint_with == python || $mint_with == gateway ]] || die "--mint takes python or gateway"
[[ $token_count =~ ^[1-9][0-9]*$ ]] || die "--tokens takes a positive integer"
[ "$token_count" -gt 10000 ] \
    || log "warning: --tokens $token_count does not exceed the gateway's per-loop token cache (10,000): cold rows will hit it"
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs (proxy on CPU 0, client and upstream on CPU 1)"

# --- fixed ports (checked free below) ---------------------------------------------------------
upstream_port=18080
nginx_port=18081
nginx_log_port=18082
haproxy_port=18083
haproxy_apikey_port=18084
haproxy_hs256_port=18085
haproxy_es256_port=18086
haproxy_rs256_port=18087
gateway_port=18088          # audit to a file, hash-chained: every gateway row but one
gateway_noaudit_port=18089  # audit to /dev/null, no chain
nginx_tls_port=18095        # nginx `ssl http2`: HTTP/1.1 over TLS and HTTP/2 (ALPN)
gateway_tls_port=18096      # the gateway with [server] tls (ALPN h2, http/1.1), audit to /dev/null

# --- the rows, in measuring order ------------------------------------------------------------
# id | process measured | port | path | credential (none, apikey, warm:ALG, cold:ALG, signed) | label
rows_table="\
direct|upstream|$upstream_port|/public/item|none|direct to the nginx upstream (CPU of the upstream itself)
nginx|nginx|$nginx_port|/public/item|none|nginx plain proxy, keep-alive upstream pool, no access log
nginx-accesslog|nginx|$nginx_log_port|/public/item|none|nginx plain proxy with an access log to a file
haproxy|haproxy|$haproxy_port|/public/item|none|haproxy plain proxy
haproxy-apikey|haproxy|$haproxy_apikey_port|/api/item|apikey|haproxy X-API-Key: SHA-256 looked up in a map
haproxy-hs256|haproxy|$haproxy_hs256_port|/api/item|warm:HS256|haproxy jwt_verify HS256 (+ alg, exp, scope checks)
haproxy-es256|haproxy|$haproxy_es256_port|/api/item|warm:ES256|haproxy jwt_verify ES256 (+ alg, exp, scope checks)
haproxy-rs256|haproxy|$haproxy_rs256_port|/api/item|warm:RS256|haproxy jwt_verify RS256 (+ alg, exp, scope checks)
gw-public|gateway|$gateway_port|/public/item|none|gateway public route, audit to a file (hash chain)
gw-public-noaudit|gateway-noaudit|$gateway_noaudit_port|/public/item|none|gateway public route, audit to /dev/null (no chain)
gw-apikey|gateway|$gateway_port|/api/item|apikey|gateway X-API-Key, audit to a file
gw-hs256-warm|gateway|$gateway_port|/api/item|warm:HS256|gateway HS256 bearer, one token (cache warm)
gw-hs256-cold|gateway|$gateway_port|/api/item|cold:HS256|gateway HS256 bearer, every request a new token
gw-es256-warm|gateway|$gateway_port|/api/item|warm:ES256|gateway ES256 bearer, one token (cache warm)
gw-es256-cold|gateway|$gateway_port|/api/item|cold:ES256|gateway ES256 bearer, every request a new token
gw-rs256-warm|gateway|$gateway_port|/api/item|warm:RS256|gateway RS256 bearer, one token (cache warm)
gw-rs256-cold|gateway|$gateway_port|/api/item|cold:RS256|gateway RS256 bearer, every request a new token
gw-ed25519-signed|gateway|$gateway_port|/signed/item|signed|gateway ed25519 signed request (RFC 9421), replay-protected route
nginx-tls|nginx-tls|$nginx_tls_port|/public/item|none|nginx ssl (P-256), HTTP/1.1 over TLS, wrk keep-alive: the TLS rows' reference
gw-tls|gateway-tls|$gateway_tls_port|/public/item|none|gateway [server] tls (same certificate), HTTP/1.1 over TLS, public route, audit off
nginx-h2|nginx-tls|$nginx_tls_port|/public/item|none|nginx ssl http2, h2load -c32 -m10: the HTTP/2 rows' reference
gw-h2|gateway-tls|$gateway_tls_port|/public/item|none|gateway [server] tls, HTTP/2, h2load -c32 -m10, public route, audit off"

baseline=nginx
# Each row's ratios divide by its reference row, measured in the same round: nginx for the plain
# rows, nginx-tls for HTTP/1.1 over TLS (ids ending -tls), nginx-h2 for HTTP/2 (ids ending -h2).
reference_of() {
    case $1 in
        *-tls) echo nginx-tls ;;
        *-h2) echo nginx-h2 ;;
        *) echo "$baseline" ;;
    esac
}
# How a row's requests travel: http (wrk), https (wrk over TLS), h2 (h2load over TLS).
transport_of() {
    case $1 in
        *-tls) echo https ;;
        *-h2) echo h2 ;;
        *) echo http ;;
    esac
}
wanted() { [ -z "$only" ] || grep -Eq -- "$only" <<<"$1"; }
declare -A row_process row_port row_path row_credential row_label row_status row_values row_header
declare -A wanted_reference=([$baseline]=1)
while IFS='|' read -r id _; do
    wanted "$id" && wanted_reference[$(reference_of "$id")]=1
done <<<"$rows_table"
row_ids=()
while IFS='|' read -r id process port path credential label; do
    # A reference row always runs when a row that divides by it does (the nginx row always).
    if ! wanted "$id" && [ -z "${wanted_reference[$id]:-}" ]; then continue; fi
    row_ids+=("$id")
    row_process[$id]=$process
    row_port[$id]=$port
    row_path[$id]=$path
    row_credential[$id]=$credential
    row_label[$id]=$label
    row_status[$id]=measured
done <<<"$rows_table"
needs() { local id; for id in "${row_ids[@]}"; do [[ ${row_process[$id]} == "$1" ]] && return 0; done; return 1; }
needs_credential() { local id; for id in "${row_ids[@]}"; do [[ ${row_credential[$id]} == $1 ]] && return 0; done; return 1; }

# --- tools, build, scratch folder ------------------------------------------------------------
ensure_tools wrk:wrk h2load:nghttp2-client 'nginx:nginx-light|nginx' haproxy:haproxy openssl:openssl \
    curl:curl python3:python3 taskset:util-linux pgrep:procps
ensure_perf
build_gateway

make_run_folder bench

check_ports_free $upstream_port $nginx_port $nginx_log_port $haproxy_port $haproxy_apikey_port \
    $haproxy_hs256_port $haproxy_es256_port $haproxy_rs256_port $gateway_port $gateway_noaudit_port \
    $nginx_tls_port $gateway_tls_port

load_at_start=$(load_average)
log "machine: $(nproc) CPUs, $(cpu_model), load average $load_at_start"
log "rows: ${row_ids[*]}"

# --- keys, tokens, API key (generated for this run, deleted with $tmp) ----------------------
log "generating keys in $tmp"
openssl rand -hex 32 | tr -d '\n' >"$tmp/hs256.secret" # 64 ASCII bytes: the same secret for haproxy
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/es256.pem" 2>/dev/null
openssl pkey -in "$tmp/es256.pem" -pubout -out "$tmp/es256.pub.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rs256.pem" 2>/dev/null
openssl pkey -in "$tmp/rs256.pem" -pubout -out "$tmp/rs256.pub.pem"
chmod 600 "$tmp/hs256.secret" "$tmp/es256.pem" "$tmp/rs256.pem"

key_output=$("$gateway" key new --id bench --scopes bench:read)
api_key=$(grep -Eo '[A-Za-z0-9]+_[A-Za-z0-9_-]{43}' <<<"$key_output" | head -1)
api_key_hash=$(grep -Eo 'sha256:[0-9a-f]{64}' <<<"$key_output" | head -1)
[ -n "$api_key" ] && [ -n "$api_key_hash" ] || die "could not read the key from 'gateway key new': $key_output"
printf '%s bench\n' "${api_key_hash#sha256:}" >"$tmp/haproxy-apikeys.map"

key_file_of() { case $1 in HS256) echo "$tmp/hs256.secret" ;; ES256) echo "$tmp/es256.pem" ;; RS256) echo "$tmp/rs256.pem" ;; esac; }
kid_of() { echo "bench-$(tr 'A-Z' 'a-z' <<<"$1")"; }
mint() { # ALG: one token (with a random jti, so every token is distinct)
    "$gateway" token mint --key "$(key_file_of "$1")" --alg "$1" --kid "$(kid_of "$1")" --sub bench \
        --scope "bench:read" --ttl 12h --jti
}
export -f mint key_file_of kid_of
export gateway tmp

# Warm rows: one token from `gateway token mint`. Cold rows: --tokens distinct tokens, each with
# its own jti, from lib/mint_tokens.py (python3-cryptography), since `gateway token mint` costs a
# process per token; `--mint gateway` uses it anyway (tens of minutes for 3 x 20,000 tokens).
if needs_credential 'cold:*' && [ "$mint_with" = python ] && ! python3 -c 'import cryptography' 2>/dev/null; then
    apt_install python3-cryptography || true
    python3 -c 'import cryptography' 2>/dev/null || { log "no python3 cryptography: minting with the gateway"; mint_with=gateway; }
fi
for alg in HS256 ES256 RS256; do
    if needs_credential "warm:$alg"; then
        printf 'Bearer %s\n' "$(mint $alg)" >"$tmp/warm-$alg.txt"
    fi
    if needs_credential "cold:$alg"; then
        log "minting $token_count $alg tokens ($mint_with)"
        started=$SECONDS
        if [ "$mint_with" = python ]; then
            python3 "$bench_dir/lib/mint_tokens.py" "$alg" "$(key_file_of "$alg")" "$(kid_of "$alg")" "$token_count" \
                >"$tmp/cold-$alg.txt"
        else
            seq "$token_count" | xargs -P "$(nproc)" -I{} bash -c 'printf "Bearer %s\n" "$(mint '"$alg"')"' \
                >"$tmp/cold-$alg.txt"
        fi
        [ "$(sort -u "$tmp/cold-$alg.txt" | wc -l)" -eq "$token_count" ] || die "the $alg tokens are not all distinct"
        log "minted in $((SECONDS - started)) s"
    fi
done
printf '%s\n' "$api_key" >"$tmp/apikey.txt"

# The signed-request row: ed25519 signatures from lib/sign_requests.py (what `gateway sign`
# prints, without a process per request), a fresh file per measurement since each nonce is
# accepted once.
signed_note=measured
# The gateway's configuration names the key whether or not the row runs.
openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.pem" 2>/dev/null
openssl pkey -in "$tmp/ed25519.pem" -pubout -out "$tmp/ed25519.pub.pem"
chmod 600 "$tmp/ed25519.pem"
if needs_credential signed; then
    python3 -c 'import cryptography' 2>/dev/null || signed_note="skipped: needs python3 cryptography (python3-cryptography)"
fi
# sign_for ID SECONDS: a file of more single-use signatures than SECONDS of load can send.
sign_for() {
    [ "${row_credential[$1]}" = signed ] || return 0
    python3 "$bench_dir/lib/sign_requests.py" "$tmp/ed25519.pem" bench-ed25519 "127.0.0.1:${row_port[$1]}" \
        "${row_path[$1]}" $(($2 * 30000)) >"$tmp/signed.txt"
}

for id in "${row_ids[@]}"; do
    case ${row_credential[$id]} in
        none) ;;
        apikey) row_header[$id]="X-API-Key: $api_key" ;;
        warm:* | cold:*) row_values[$id]="$tmp/${row_credential[$id]%%:*}-${row_credential[$id]#*:}.txt" ;;
        signed) row_status[$id]=$signed_note; row_values[$id]="$tmp/signed.txt" ;;
    esac
done

haproxy_version=$(haproxy -v 2>/dev/null | awk 'NR == 1 {print $3}')
if ! printf '2.6\n%s\n' "${haproxy_version%%-*}" | sort -V -C; then
    for id in haproxy-hs256 haproxy-es256 haproxy-rs256; do
        [ -n "${row_status[$id]:-}" ] && row_status[$id]="skipped: haproxy $haproxy_version has no jwt_verify (2.6+)"
    done
fi

# --- configurations and servers --------------------------------------------------------------
# The TLS rows' certificate: one P-256 key and a self-signed certificate for 127.0.0.1, used by
# nginx-tls and the gateway alike.
if needs nginx-tls || needs gateway-tls; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/tls.key" -out "$tmp/tls.crt" \
        -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null || die "openssl could not make the certificate"
    chmod 600 "$tmp/tls.key"
fi

tpl_TMP=$tmp
tpl_UPSTREAM_PORT=$upstream_port
tpl_NGINX_TLS_PORT=$nginx_tls_port
tpl_NGINX_PORT=$nginx_port
tpl_NGINX_LOG_PORT=$nginx_log_port
tpl_HAPROXY_PORT=$haproxy_port
tpl_HAPROXY_APIKEY_PORT=$haproxy_apikey_port
tpl_HAPROXY_HS256_PORT=$haproxy_hs256_port
tpl_HAPROXY_ES256_PORT=$haproxy_es256_port
tpl_HAPROXY_RS256_PORT=$haproxy_rs256_port
tpl_HS256_SECRET=$(cat "$tmp/hs256.secret")
tpl_API_KEY_HASH=$api_key_hash
tpl_THREADS=1
tpl_MAX_BODY=10MiB
mkdir -p "$tmp/nginx-upstream-body" "$tmp/nginx-proxy-body"
: >"$tmp/big.bin"
render "$bench_dir/conf/nginx-upstream.conf" "$tmp/nginx-upstream.conf"
render "$bench_dir/conf/nginx-proxy.conf" "$tmp/nginx-proxy.conf"
render "$bench_dir/conf/haproxy.cfg" "$tmp/haproxy.cfg"
tpl_GATEWAY_PORT=$gateway_port tpl_AUDIT_SINK=$tmp/audit.jsonl tpl_HASH_CHAIN=true \
    render "$bench_dir/conf/gateway.conf" "$tmp/gateway.conf"
tpl_GATEWAY_PORT=$gateway_noaudit_port tpl_AUDIT_SINK=/dev/null tpl_HASH_CHAIN=false \
    render "$bench_dir/conf/gateway.conf" "$tmp/gateway-noaudit.conf"
tpl_GATEWAY_PORT=$gateway_tls_port tpl_AUDIT_SINK=/dev/null tpl_HASH_CHAIN=false \
    render "$bench_dir/conf/gateway.conf" "$tmp/gateway-tls.conf"
sed -i "/^\[server\]\$/a tls = { cert_file = \"$tmp/tls.crt\", key_file = \"$tmp/tls.key\" }" "$tmp/gateway-tls.conf"
render "$bench_dir/conf/nginx-tls.conf" "$tmp/nginx-tls.conf"
mkdir -p "$tmp/nginx-tls-body"

declare -A pid_of
start_pinned 1 nginx-upstream nginx -e "$tmp/nginx-upstream.error.log" -c "$tmp/nginx-upstream.conf"
pid_of[upstream]=$last_pid
wait_for_port $upstream_port "$last_pid" nginx-upstream
if needs nginx; then
    start_pinned 0 nginx-proxy nginx -e "$tmp/nginx-proxy.error.log" -c "$tmp/nginx-proxy.conf"
    pid_of[nginx]=$last_pid
    wait_for_port $nginx_port "$last_pid" nginx-proxy
fi
if needs nginx-tls; then
    start_pinned 0 nginx-tls nginx -e "$tmp/nginx-tls.error.log" -c "$tmp/nginx-tls.conf"
    pid_of[nginx-tls]=$last_pid
    wait_for_port $nginx_tls_port "$last_pid" nginx-tls
fi
if needs haproxy; then
    start_pinned 0 haproxy haproxy -db -f "$tmp/haproxy.cfg"
    pid_of[haproxy]=$last_pid
    wait_for_port $haproxy_port "$last_pid" haproxy
fi
if needs gateway; then
    "$gateway" check -c "$tmp/gateway.conf" >&2 || die "gateway check failed for $tmp/gateway.conf"
    start_pinned 0 gateway "$gateway" run -c "$tmp/gateway.conf"
    pid_of[gateway]=$last_pid
    wait_for_port $gateway_port "$last_pid" gateway
fi
if needs gateway-noaudit; then
    start_pinned 0 gateway-noaudit "$gateway" run -c "$tmp/gateway-noaudit.conf"
    pid_of[gateway-noaudit]=$last_pid
    wait_for_port $gateway_noaudit_port "$last_pid" gateway-noaudit
fi

if needs gateway-tls; then
    "$gateway" check -c "$tmp/gateway-tls.conf" >&2 || die "gateway check failed for $tmp/gateway-tls.conf"
    start_pinned 0 gateway-tls "$gateway" run -c "$tmp/gateway-tls.conf"
    pid_of[gateway-tls]=$last_pid
    wait_for_port $gateway_tls_port "$last_pid" gateway-tls
fi

# --- preflight: every row answers 200 with its credential ------------------------------------
url_of() {
    local scheme=http
    [ "$(transport_of "$1")" = http ] || scheme=https
    echo "$scheme://127.0.0.1:${row_port[$1]}${row_path[$1]}"
}
declare -A tls_session
for id in "${row_ids[@]}"; do
    [ "${row_status[$id]}" = measured ] || continue
    args=()
    case $(transport_of "$id") in
        https) args=(-k --http1.1) ;;
        h2) args=(-k --http2) ;;
    esac
    if [ "$(transport_of "$id")" != http ]; then
        # What the handshake negotiated (protocol, cipher, ALPN), for the record: both servers
        # should agree, or their CPU differs by more than the proxying.
        tls_session[$id]=$(openssl s_client -connect "127.0.0.1:${row_port[$id]}" -alpn "$([ "$(transport_of "$id")" = h2 ] && echo h2 || echo http/1.1)" \
            </dev/null 2>/dev/null | awk '/^New,/ {p = $2; sub(/,$/, "", p); c = $NF} /^ALPN protocol/ {a = $3} END {print p, c, "ALPN", a}')
        log "$id: TLS ${tls_session[$id]}"
    fi
    [ -n "${row_header[$id]:-}" ] && args=(-H "${row_header[$id]}")
    if [ "${row_credential[$id]}" = signed ]; then
        python3 "$bench_dir/lib/sign_requests.py" "$tmp/ed25519.pem" bench-ed25519 \
            "127.0.0.1:${row_port[$id]}" "${row_path[$id]}" 1 >"$tmp/signed.txt"
        args=(-H "Signature-Input: $(cut -f1 "$tmp/signed.txt")" -H "Signature: $(cut -f2 "$tmp/signed.txt")")
    elif [ -n "${row_values[$id]:-}" ]; then
        args=(-H "Authorization: $(head -1 "${row_values[$id]}")")
    fi
    status=$(curl -s -o "$tmp/preflight.body" -w '%{http_code}' "${args[@]}" "$(url_of "$id")" || true)
    if [ "$status" = 200 ] && [ "$(transport_of "$id")" = h2 ] \
        && [ "$(curl -s -k --http2 -o /dev/null -w '%{http_version}' "$(url_of "$id")")" != 2 ]; then
        status="200 but not over HTTP/2"
    fi
    if [ "$status" != 200 ]; then
        row_status[$id]="failed preflight: HTTP $status ($(head -c 200 "$tmp/preflight.body" | tr '\n' ' '))"
        log "$id: ${row_status[$id]}"
    fi
done

# --- measuring -------------------------------------------------------------------------------
measurements=$tmp/measurements.tsv
: >"$measurements"

# to_ms VALUE_WITH_UNIT: wrk prints 512.00us, 1.23ms, 2.00s, 1.00m
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.4f", n }'
}

# run_h2load ID SECONDS OUTPUT: an HTTP/2 row's load, from CPU 1: h2load -c32 -m10 (32
# connections, 10 concurrent streams each), rewritten in wrk's output format for measure().
run_h2load() {
    local id=$1 seconds=$2 output=$3
    # h2load waits for the server to end every connection after its own GOAWAY: bounded, so a
    # server that never does cannot stall the run.
    timeout $((seconds + 30)) taskset -c 1 h2load -t1 -c"$connections" -m10 -D "$seconds" "$(url_of "$id")" \
        >"$output.h2load" 2>&1 || { tail -3 "$output.h2load" >&2; return 1; }
    awk '
        /^finished in/ { secs = $3; sub(/s,$/, "", secs); rps = $4 }
        /^requests:/ { done = $6; failed = $10; errored = $12; timeout = $14 }
        /^status codes:/ { ok = $3; non2xx = $5 + $7 + $9 }
        /^time for request:/ { mean = $6 }
        END {
            printf "  %d requests in %ss, 0MB read\n", done, secs
            printf "Requests/sec: %s\n", rps
            printf "     50%% %s\n     99%% -\n", mean
            if (non2xx + 0 > 0) printf "  Non-2xx or 3xx responses: %d\n", non2xx
            if (failed + errored + timeout > 0) printf "  Socket errors: connect 0, read %d, write %d, timeout %d\n", failed, errored, timeout
        }' "$output.h2load" >"$output"
    grep -q '^Requests/sec: [0-9]' "$output" || { cat "$output.h2load" >&2; return 1; }
}

# run_wrk ID SECONDS OUTPUT: the row's load, from CPU 1.
run_wrk() {
    local id=$1 seconds=$2 output=$3
    [ "$(transport_of "$id")" = h2 ] && { run_h2load "$@"; return; }
    local args=(-t1 -c"$connections" -d"${seconds}s" --latency)
    [ -n "${row_header[$id]:-}" ] && args+=(-H "${row_header[$id]}")
    if [ -n "${row_values[$id]:-}" ]; then
        local headers=Authorization
        [ "${row_credential[$id]}" = signed ] && headers=Signature-Input,Signature
        args+=(-s "$bench_dir/lib/rotate-header.lua")
        BENCH_VALUES=${row_values[$id]} BENCH_HEADERS=$headers taskset -c 1 wrk "${args[@]}" "$(url_of "$id")" >"$output" 2>&1
    else
        taskset -c 1 wrk "${args[@]}" "$(url_of "$id")" >"$output" 2>&1
    fi
}

measure() { # ID ROUND
    local id=$1 round=$2 pid=${pid_of[${row_process[$1]}]} out=$tmp/wrk.out
    # The audit file and access log restart empty (both are O_APPEND: writers follow the truncation).
    [ "${row_process[$id]}" = gateway ] && : >"$tmp/audit.jsonl"
    [ "$id" = nginx-accesslog ] && : >"$tmp/nginx-access.log"
    sign_for "$id" "$duration"
    sleep 0.3
    read -r user0 system0 < <(cpu_ticks "$pid")
    read -r busy0 steal0 total0 < <(cpu_core_ticks 0)
    if ! run_wrk "$id" "$duration" "$out"; then
        # An HTTP/2 row whose h2load did not finish is dropped from the rest of the run; any other
        # failure of the load generator stops it.
        [ "$(transport_of "$id")" = h2 ] || { cat "$out" >&2; die "wrk failed on $id"; }
        row_status[$id]="failed: h2load did not finish within $((duration + 30)) s in round $round (see bench/README.md)"
        log "$id: ${row_status[$id]}"
        return 0
    fi
    sleep 0.3 # work the proxy finishes after the last response (audit writes) is counted here
    read -r user1 system1 < <(cpu_ticks "$pid")
    read -r busy1 steal1 total1 < <(cpu_core_ticks 0)
    kill -0 "$pid" 2>/dev/null || die "the process behind $id exited (log in $tmp)"

    local requests seconds rps p50 p99 non2xx socket_errors
    requests=$(awk '/requests in/ {print $1}' "$out")
    seconds=$(awk '/requests in/ {v = $4; sub(/,$/, "", v); n = v + 0; if (v ~ /m$/) n *= 60; print n}' "$out")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    if [ "$p99" = - ]; then p99=nan; else p99=$(to_ms "$p99"); fi
    non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$out")
    socket_errors=$(awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
    [ -n "$requests" ] && [ -n "$rps" ] || { cat "$out" >&2; die "could not read wrk's output for $id"; }
    # What else ran on CPU 0 meanwhile (other processes of this shared machine; for the direct row,
    # where the measured upstream is on CPU 1, all of CPU 0's busy time), and the steal time.
    local others=$((busy1 - busy0)) cpu0_ticks=$((total1 - total0))
    [ "${row_process[$id]}" = upstream ] || others=$((others - (user1 - user0) - (system1 - system0)))
    [ "$others" -ge 0 ] || others=0
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$round" "$requests" "$seconds" "$rps" \
        "$p50" "$p99" $((user1 - user0)) $((system1 - system0)) "${non2xx:-0}" "${socket_errors:-0}" \
        "$others" $((steal1 - steal0)) "$cpu0_ticks" >>"$measurements"
    local cpu
    cpu=$(awk -v u=$((user1 - user0 + system1 - system0)) -v t="$clock_ticks" -v r="$requests" \
        'BEGIN {printf "%.1f", u * 1e6 / t / r}')
    log "round $round/$rounds $(printf '%-18s %8.0f req/s  p99 %6.2f ms' "$id" "$rps" "$p99")  CPU ${cpu} us/req  others on CPU 0: $((others * 100 / (cpu0_ticks > 0 ? cpu0_ticks : 1)))%$(
        [ "${non2xx:-0}" != 0 ] && echo "  !! ${non2xx} non-2xx")"
}

measured_ids=()
for id in "${row_ids[@]}"; do [ "${row_status[$id]}" = measured ] && measured_ids+=("$id"); done
[ "${row_status[$baseline]}" = measured ] || die "the baseline row ($baseline) cannot run: ${row_status[$baseline]}"
total=$(( ${#measured_ids[@]} * (rounds * duration + warmup) ))
log "measuring ${#measured_ids[@]} rows x $rounds rounds x ${duration} s (+ ${warmup} s warm-up each): ~$((total / 60 + 1)) min"

if [ "$warmup" -gt 0 ]; then
    for id in "${measured_ids[@]}"; do sign_for "$id" "$warmup"; run_wrk "$id" "$warmup" "$tmp/warmup.out" || true; done
fi
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for round in $(seq "$rounds"); do
    for id in "${measured_ids[@]}"; do [ "${row_status[$id]}" = measured ] && measure "$id" "$round"; done
done
load_at_end=$(load_average)

# --- report ----------------------------------------------------------------------------------
mkdir -p "$bench_dir/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
rows_tsv=$tmp/rows.tsv
: >"$rows_tsv"
for id in "${row_ids[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "${row_label[$id]}" "$(url_of "$id")" "${row_process[$id]}" \
        "${row_status[$id]}" "$(reference_of "$id")" "$(transport_of "$id")" "${tls_session[$id]:-}" >>"$rows_tsv"
done
gateway_commit=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_root" diff --quiet HEAD -- Sources Package.swift 2>/dev/null || gateway_commit+="+dirty"
BENCH_COMMAND="bench/run.sh --rounds $rounds --duration $duration${only:+ --only '$only'} --tokens $token_count --mint $mint_with --warmup $warmup" \
BENCH_STARTED=$started_at BENCH_LOAD_START=$load_at_start BENCH_LOAD_END=$load_at_end \
BENCH_CPU_MODEL=$(cpu_model) BENCH_NPROC=$(nproc) BENCH_KERNEL=$(uname -r) BENCH_CLOCK_TICKS=$clock_ticks \
BENCH_ROUNDS=$rounds BENCH_DURATION=$duration BENCH_CONNECTIONS=$connections BENCH_TOKENS=$token_count \
BENCH_BASELINE=$baseline BENCH_GATEWAY_COMMIT=$gateway_commit BENCH_H2LOAD="$(h2load --version 2>/dev/null | head -1)" \
BENCH_NGINX=$(nginx -v 2>&1 | sed 's/.*nginx\///') BENCH_HAPROXY=$haproxy_version \
BENCH_WRK=$(wrk -v 2>&1 | awk 'NR == 1 {print $2}') BENCH_SWIFT=$(swift --version 2>/dev/null | head -1 || echo unknown) \
python3 - "$rows_tsv" "$tmp/metadata.json" <<'EOF'
import json, os, sys
env = os.environ
rows = []
for line in open(sys.argv[1]):
    id, label, url, process, status, reference, transport, tls = line.rstrip("\n").split("\t")
    row = {"id": id, "label": label, "url": url, "process": process, "status": status, "reference": reference,
           "transport": transport}
    if tls:
        row["tls"] = tls
    rows.append(row)
meta = {
    "date": env["BENCH_STARTED"], "command": env["BENCH_COMMAND"],
    "machine": {"nproc": int(env["BENCH_NPROC"]), "cpu_model": env["BENCH_CPU_MODEL"], "kernel": env["BENCH_KERNEL"],
                "load_average_start": env["BENCH_LOAD_START"], "load_average_end": env["BENCH_LOAD_END"]},
    "versions": {"gateway_commit": env["BENCH_GATEWAY_COMMIT"], "nginx": env["BENCH_NGINX"],
                 "haproxy": env["BENCH_HAPROXY"], "wrk": env["BENCH_WRK"], "h2load": env["BENCH_H2LOAD"],
                 "swift": env["BENCH_SWIFT"]},
    "setup": {"proxy_cpu": 0, "client_and_upstream_cpu": 1, "wrk": "-t1 -c%s --latency" % env["BENCH_CONNECTIONS"],
              "h2load": "-t1 -c%s -m10" % env["BENCH_CONNECTIONS"],
              "cold_tokens": int(env["BENCH_TOKENS"]), "gateway_threads": 1},
    "rounds": int(env["BENCH_ROUNDS"]), "duration_s": int(env["BENCH_DURATION"]),
    "clock_ticks": int(env["BENCH_CLOCK_TICKS"]), "baseline": env["BENCH_BASELINE"], "rows": rows,
}
json.dump(meta, open(sys.argv[2], "w"), indent=2)
EOF
python3 "$bench_dir/lib/report.py" "$tmp/metadata.json" "$measurements" "$bench_dir/results/$stamp.json" \
    | tee "$bench_dir/results/$stamp.txt"
cp "$bench_dir/results/$stamp.json" "$bench_dir/results/latest.json"
cp "$bench_dir/results/$stamp.txt" "$bench_dir/results/latest.txt"
echo
echo "machine: $(nproc) CPUs, $(cpu_model); load average at start $load_at_start, at end $load_at_end"
echo "(the load average includes this benchmark's own ~2 busy CPUs while it runs)"
echo "gateway $gateway_commit, nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), haproxy $haproxy_version"
echo "written: bench/results/latest.json, bench/results/$stamp.json"
