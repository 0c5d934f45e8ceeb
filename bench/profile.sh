#!/usr/bin/env bash
# Where the gateway's CPU goes on one route under load: a flat `perf record` profile of the
# gateway process (pinned to CPU 0, one event loop) while wrk or h2load loads it from CPU 1.
#
#   bench/profile.sh [--route public|apikey|es256-warm|es256-cold|dpop|tls|h2|nginx] [--duration S]
#                    [--top N] [--no-build]
#
# The set-up is routes.sh's (conf/routes/gateway.conf, audit to a hash-chained file, the nginx
# upstream and the client on CPU 1); tls and h2 add `[server] tls` with a self-signed P-256
# certificate and turn the audit off, as run.sh's -tls and -h2 rows do. Prints the share of the
# samples per object (kernel, the gateway binary, libc), the top N symbols by self time (Swift
# names demangled), the callers of the hottest kernel symbol, and the system calls per request
# (`strace -c -f` over a further short load: strace slows the process, the counts per request
# stay right), and writes them to bench/results/profile-ROUTE-latest.txt. `--route nginx` does the
# same for the nginx plain proxy of run.sh (one worker), the reference of the public route.
# Needs perf (Debian: linux-perf); any sampling event works (cpu-clock where the virtual machine
# has no hardware counters). Ports 18060-18062.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

route=public
duration=10
top=30
skip_build=0
connections=32
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --route) route=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --top) top=$2; shift 2 ;;
        --no-build) skip_build=1; shift ;;
        -h | --help) usage 0 ;;
        *) echo "unknown option: $1" >&2; usage 2 ;;
    esac
done
case $route in public | apikey | es256-warm | es256-cold | dpop | tls | h2 | nginx) ;; *) die "unknown --route $route" ;; esac
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration takes whole seconds"
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs"
upstream_port=18060
gateway_port=18061
nginx_log_port=18062

ensure_tools wrk:wrk 'nginx:nginx-light|nginx' openssl:openssl curl:curl python3:python3 taskset:util-linux pgrep:procps
[ "$route" = h2 ] && ensure_tools h2load:nghttp2-client
ensure_perf
command -v perf >/dev/null || die "perf is not installed (Debian: linux-perf)"
ensure_tools strace:strace
if ! python3 -c 'import cryptography' 2>/dev/null; then apt_install python3-cryptography || true; fi
build_gateway

make_run_folder profile
check_ports_free $upstream_port $gateway_port $nginx_log_port
log "machine: $(nproc) CPUs, $(cpu_model), load average $(load_average)"

# --- keys, credentials, configuration (as routes.sh) -------------------------------------------
openssl rand -hex 32 | tr -d '\n' >"$tmp/hs256.secret"
for name in es256 dpop-client; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$name.pem" 2>/dev/null
    openssl pkey -in "$tmp/$name.pem" -pubout -out "$tmp/$name.pub.pem"
done
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rs256.pem" 2>/dev/null
openssl pkey -in "$tmp/rs256.pem" -pubout -out "$tmp/rs256.pub.pem"
openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.pem" 2>/dev/null
openssl pkey -in "$tmp/ed25519.pem" -pubout -out "$tmp/ed25519.pub.pem"
chmod 600 "$tmp"/*.pem "$tmp/hs256.secret"
key_output=$("$gateway" key new --id bench --scopes bench:read)
api_key=$(grep -Eo '[A-Za-z0-9]+_[A-Za-z0-9_-]{43}' <<<"$key_output" | head -1)
api_key_hash=$(grep -Eo 'sha256:[0-9a-f]{64}' <<<"$key_output" | head -1)
[ -n "$api_key" ] && [ -n "$api_key_hash" ] || die "could not read the key from 'gateway key new'"

tpl_TMP=$tmp tpl_UPSTREAM_PORT=$upstream_port tpl_API_KEY_HASH=$api_key_hash tpl_GATEWAY_PORT=$gateway_port \
    tpl_REPLAY_STORE=memory tpl_AUDIT_SINK=$tmp/audit.jsonl tpl_HASH_CHAIN=true \
    render "$bench_dir/conf/routes/gateway.conf" "$tmp/gateway.conf"
mkdir -p "$tmp/nginx-upstream-body"
: >"$tmp/big.bin"
tpl_TMP=$tmp tpl_UPSTREAM_PORT=$upstream_port render "$bench_dir/conf/nginx-upstream.conf" "$tmp/nginx-upstream.conf"
scheme=http
if [ "$route" = dpop ]; then
    tpl_TMP=$tmp render "$bench_dir/conf/routes/dpop.conf" "$tmp/dpop.fragment"
    cat "$tmp/dpop.fragment" >>"$tmp/gateway.conf"
fi
if [ "$route" = tls ] || [ "$route" = h2 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/tls.key" -out "$tmp/tls.crt" \
        -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    chmod 600 "$tmp/tls.key"
    sed -i "/^\[server\]\$/a tls = { cert_file = \"$tmp/tls.crt\", key_file = \"$tmp/tls.key\" }" "$tmp/gateway.conf"
    sed -i "s|^sink = .*|sink = \"/dev/null\"|; s|^hash_chain = .*|hash_chain = false|" "$tmp/gateway.conf"
    scheme=https
fi
"$gateway" check -c "$tmp/gateway.conf" >"$tmp/check.log" 2>&1 || { cat "$tmp/check.log" >&2; die "gateway check failed"; }

path=/public/item
wrk_args=()
values=""
headers=Authorization
case $route in
    apikey) path=/api/item; wrk_args=(-H "X-API-Key: $api_key") ;;
    es256-warm)
        path=/api/item
        printf 'Bearer %s\n' "$("$gateway" token mint --key "$tmp/es256.pem" --alg ES256 --kid bench-es256 --sub bench \
            --scope bench:read --ttl 12h --jti)" >"$tmp/values.txt"
        values=$tmp/values.txt ;;
    es256-cold)
        path=/api/item
        python3 "$bench_dir/lib/mint_tokens.py" ES256 "$tmp/es256.pem" bench-es256 20000 >"$tmp/values.txt"
        values=$tmp/values.txt ;;
    dpop)
        path=/dpop/item
        python3 "$bench_dir/lib/dpop_proofs.py" token "$tmp/es256.pem" bench-es256 "$tmp/dpop-client.pem" bound \
            >"$tmp/dpop-token.txt"
        values=$tmp/values.txt
        headers=Authorization,DPoP ;;
esac
url=$scheme://127.0.0.1:$gateway_port$path
# Single-use DPoP proofs for SECONDS of load, fresh before each use.
fresh() {
    [ "$route" = dpop ] || return 0
    python3 "$bench_dir/lib/dpop_proofs.py" proofs "$tmp/dpop-client.pem" "$(cat "$tmp/dpop-token.txt")" "$url" \
        $(($1 * 12000)) >"$tmp/values.txt"
}

# --- servers and load ----------------------------------------------------------------------------
start_pinned 1 nginx-upstream nginx -e "$tmp/nginx-upstream.error.log" -c "$tmp/nginx-upstream.conf"
wait_for_port $upstream_port "$last_pid" nginx-upstream
if [ "$route" = nginx ]; then
    # The measured process is then the nginx proxy (master and worker), on the gateway's port.
    tpl_TMP=$tmp tpl_UPSTREAM_PORT=$upstream_port tpl_NGINX_PORT=$gateway_port tpl_NGINX_LOG_PORT=$nginx_log_port \
        render "$bench_dir/conf/nginx-proxy.conf" "$tmp/nginx-proxy.conf"
    mkdir -p "$tmp/nginx-proxy-body"
    start_pinned 0 nginx-proxy nginx -e "$tmp/nginx-proxy.error.log" -c "$tmp/nginx-proxy.conf"
else
    start_pinned 0 gateway "$gateway" run -c "$tmp/gateway.conf"
fi
gateway_pid=$last_pid
wait_for_port $gateway_port "$gateway_pid" "measured process"
# Every process to sample: nginx's worker is a child of its master.
sampled_pids=$(printf '%s,' "$gateway_pid" $(descendants "$gateway_pid"))
sampled_pids=${sampled_pids%,}

load() { # SECONDS OUTPUT
    if [ "$route" = h2 ]; then
        timeout $(($1 + 30)) taskset -c 1 h2load -t1 -c"$connections" -m10 -D "$1" "$url" >"$2" 2>&1
    elif [ -n "$values" ]; then
        BENCH_VALUES=$values BENCH_HEADERS=$headers taskset -c 1 wrk -t1 -c"$connections" -d"${1}s" --latency \
            -s "$bench_dir/lib/rotate-header.lua" "$url" >"$2" 2>&1
    else
        taskset -c 1 wrk -t1 -c"$connections" -d"${1}s" --latency "${wrk_args[@]}" "$url" >"$2" 2>&1
    fi
}
fresh 3
load 3 "$tmp/warmup.out" || { cat "$tmp/warmup.out" >&2; die "the warm-up load failed"; }
fresh "$duration"
read -r user0 system0 < <(cpu_ticks "$gateway_pid")
perf record -F 1999 -g -p "$sampled_pids" -o "$tmp/perf.data" -- sleep "$duration" >"$tmp/perf.log" 2>&1 &
perf_pid=$!
load "$duration" "$tmp/load.out" || { cat "$tmp/load.out" >&2; die "the load failed"; }
wait "$perf_pid" || { cat "$tmp/perf.log" >&2; die "perf record failed"; }
read -r user1 system1 < <(cpu_ticks "$gateway_pid")
if [ "$route" = h2 ]; then
    requests=$(awk '/^requests:/ {print $8}' "$tmp/load.out")
    rate=$(awk '/^finished in/ {print $4}' "$tmp/load.out")
    failures=$(awk '/^requests:/ {print $10 + 0}' "$tmp/load.out")
else
    requests=$(awk '/requests in/ {print $1}' "$tmp/load.out")
    rate=$(awk '/^Requests\/sec/ {print $2}' "$tmp/load.out")
    failures=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$tmp/load.out")
fi

# System calls per request: strace over a further load of a few seconds.
fresh 3
strace_pids=()
for pid in ${sampled_pids//,/ }; do strace_pids+=(-p "$pid"); done
strace -c -f -o "$tmp/strace.txt" "${strace_pids[@]}" 2>"$tmp/strace.log" &
strace_pid=$!
sleep 0.5
load 3 "$tmp/strace-load.out" || true
kill -INT "$strace_pid" 2>/dev/null || true
wait "$strace_pid" 2>/dev/null || true
if [ "$route" = h2 ]; then
    strace_requests=$(awk '/^requests:/ {print $8}' "$tmp/strace-load.out")
else
    strace_requests=$(awk '/requests in/ {print $1}' "$tmp/strace-load.out")
fi

# --- report --------------------------------------------------------------------------------------
demangle() { if command -v swift >/dev/null; then swift demangle --simplified --compact 2>/dev/null || cat; else cat; fi; }
mkdir -p "$bench_dir/results"
out=$bench_dir/results/profile-$route-latest.txt
{
    echo "profile of $([ "$route" = nginx ] && echo "the nginx plain proxy" || echo "the gateway, route $route") ($url)," \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ), gateway" \
        "$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown), load average $(load_average)"
    echo "load: ${rate:-?} req/s, ${requests:-?} requests, ${failures:-0} failed; CPU of the measured process" \
        "$(awk -v u=$((user1 - user0 + system1 - system0)) -v t="$clock_ticks" -v r="${requests:-0}" \
            'BEGIN {if (r > 0) printf "%.1f", u * 1e6 / t / r; else print "?"}') us/request" \
        "($(awk -v u=$((user1 - user0)) -v s=$((system1 - system0)) 'BEGIN {printf "%.0f%% user, %.0f%% kernel", 100 * u / (u + s), 100 * s / (u + s)}'))"
    echo
    echo "samples per object:"
    { perf report -i "$tmp/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' \
        | head -12; } || true
    echo
    echo "samples per owner (Swift symbols by the module that defines them):"
    { perf report -i "$tmp/perf.data" --no-children --sort dso,symbol --stdio -g none --no-demangle 2>/dev/null \
        | python3 "$bench_dir/lib/profile_owners.py"; } || true
    echo
    echo "top $top symbols by self time:"
    { perf report -i "$tmp/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
        | grep -E '^ +[0-9.]+%' | head -"$top" | demangle | cut -c1-200 | sed 's/ *$//'; } || true
    hottest=$(perf report -i "$tmp/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
        | awk '/^ +[0-9].*\[k\]/ && !found { for (i = 1; i < NF; i++) if ($i == "[k]") { print $(i + 1); found = 1; break } }') \
        || true
    if [ -n "$hottest" ]; then
        echo
        echo "callers of the hottest kernel symbol, $hottest (call chains, percent of all samples):"
        perf report -i "$tmp/perf.data" --no-children --stdio --symbols "$hottest" -G --percent-limit 1 2>/dev/null \
            | grep -vE '^#|^$' | head -45 | demangle | cut -c1-160 | sed 's/ *$//' || true
    fi
    echo
    echo "system calls per request (strace -c -f over ${strace_requests:-?} requests):"
    if [ -n "${strace_requests:-}" ] && [ "$strace_requests" -gt 0 ]; then
        awk -v n="$strace_requests" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
                printf "  %-20s %8.3f\n", $NF, $4 / n; total += $4 }
            END { printf "  %-20s %8.3f\n", "total", total / n }' "$tmp/strace.txt"
    fi
} | tee "$out"
log "written: $out"
