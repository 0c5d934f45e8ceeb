#!/usr/bin/env bash
# The cost of each credential and feature inside ONE gateway process (bench/README.md explains it).
#
#   bench/routes.sh [--rounds N] [--duration S] [--only REGEX] [--warmup S] [--no-build]
#
# One gateway process (instance a; a second, instance b, only for the Redis-store and EdDSA
# token rows) runs every route; rows are short wrk runs against it, measured round-robin with the
# order rotated each round. Each row's CPU per request is divided by its reference row's (the
# public route of the same process) measured in the same round; the median of those ratios is
# reported. Writes bench/results/routes-latest.{txt,json} (and dated copies).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

rounds=7
duration=4
only=""
warmup=1
skip_build=0
connections=32
token_count=20000

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --no-build) skip_build=1; shift ;;
        -h | --help) usage 0 ;;
        *) echo "unknown option: $1" >&2; usage 2 ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive integer"
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration takes whole seconds"
[[ $warmup =~ ^[0-9]+$ ]] || die "--warmup takes whole seconds"
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs (gateway on CPU 0, client and upstream on CPU 1)"

upstream_port=18070
gateway_a_port=18071
gateway_b_port=18072
redis_port=18073

# --- the rows ----------------------------------------------------------------------------------
# id | instance | path | credential | reference row | feature | label
# credential: none, apikey, warm:ALG, cold:ALG, signed, dpop, dpop-bearer, token
# feature: base (always there) or the optional feature the row needs (skipped with a message when
# the gateway binary does not support it).
rows_table="\
public|a|/public/item|none|-|base|public route: the reference of every instance-a row
apikey|a|/api/item|apikey|public|base|X-API-Key (one configured key)
hs256-warm|a|/api/item|warm:HS256|public|base|HS256 bearer, one token (verified-token cache warm)
es256-warm|a|/api/item|warm:ES256|public|base|ES256 bearer, one token (cache warm)
rs256-warm|a|/api/item|warm:RS256|public|base|RS256 bearer, one token (cache warm)
es256-cold|a|/api/item|cold:ES256|public|base|ES256 bearer, every request a new token (full verification)
signed-memory|a|/signed/item|signed|public|base|ed25519 RFC 9421 signed GET, replay-protected, memory store
ratelimit|a|/limited/item|none|public|ratelimit|the public route with a memory rate limit it never reaches
dpop-bearer|a|/dpop/item|dpop-bearer|public|dpop|ES256 token without cnf, as Bearer, on the DPoP route (cache warm)
dpop-es256|a|/dpop/item|dpop|dpop-bearer|dpop|the same token bound (cnf.jkt) with a fresh ES256 DPoP proof per request
token-es256|a|/oauth/token|token|public|token-es256|POST /oauth/token (client_credentials, Basic), ES256 signing key
public-b|b|/public/item|none|-|base|public route of instance b (Redis store when supported): its rows' reference
signed-redis|b|/signed/item|signed|public-b|redis|ed25519 signed GET, replay-protected, Redis store
token-eddsa|b|/oauth/token|token|public-b|token-eddsa|POST /oauth/token (client_credentials, Basic), EdDSA signing key"

declare -A row_instance row_path row_credential row_reference row_feature row_label row_status row_values row_header
declare -A selected
all_ids=()
while IFS='|' read -r id instance path credential reference feature label; do
    all_ids+=("$id")
    row_instance[$id]=$instance
    row_path[$id]=$path
    row_credential[$id]=$credential
    row_reference[$id]=$reference
    row_feature[$id]=$feature
    row_label[$id]=$label
    row_status[$id]=measured
    if [ -z "$only" ] || grep -Eq -- "$only" <<<"$id"; then selected[$id]=1; fi
done <<<"$rows_table"
# A selected row brings its reference (and the reference's reference).
for _ in 1 2; do
    for id in "${all_ids[@]}"; do
        [ -n "${selected[$id]:-}" ] && [ "${row_reference[$id]}" != - ] && selected[${row_reference[$id]}]=1
    done
done
row_ids=()
for id in "${all_ids[@]}"; do [ -n "${selected[$id]:-}" ] && row_ids+=("$id"); done
[ ${#row_ids[@]} -gt 0 ] || die "no row matches --only '$only'"
needs_instance() { local id; for id in "${row_ids[@]}"; do [ "${row_instance[$id]}" = "$1" ] && return 0; done; return 1; }
needs_credential() { local id; for id in "${row_ids[@]}"; do [[ ${row_credential[$id]} == $1 ]] && return 0; done; return 1; }
needs_feature() { local id; for id in "${row_ids[@]}"; do [ "${row_feature[$id]}" = "$1" ] && return 0; done; return 1; }

# --- tools, build, scratch folder ----------------------------------------------------------------
ensure_tools wrk:wrk 'nginx:nginx-light|nginx' openssl:openssl curl:curl python3:python3 taskset:util-linux \
    pgrep:procps
if needs_feature redis; then ensure_tools redis-server:redis-server redis-cli:redis-tools; fi
if ! python3 -c 'import cryptography' 2>/dev/null; then apt_install python3-cryptography || true; fi
python3 -c 'import cryptography' 2>/dev/null || die "needs python3 cryptography (python3-cryptography)"
build_gateway

make_run_folder routes
check_ports_free $upstream_port $gateway_a_port $gateway_b_port $redis_port

load_at_start=$(load_average)
log "machine: $(nproc) CPUs, $(cpu_model), load average $load_at_start"
log "rows: ${row_ids[*]}"

# --- keys and credentials ------------------------------------------------------------------------
openssl rand -hex 32 | tr -d '\n' >"$tmp/hs256.secret"
for name in es256 issuer-es256 dpop-client; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$name.pem" 2>/dev/null
    openssl pkey -in "$tmp/$name.pem" -pubout -out "$tmp/$name.pub.pem"
done
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rs256.pem" 2>/dev/null
openssl pkey -in "$tmp/rs256.pem" -pubout -out "$tmp/rs256.pub.pem"
for name in ed25519 issuer-eddsa; do
    openssl genpkey -algorithm ed25519 -out "$tmp/$name.pem" 2>/dev/null
    openssl pkey -in "$tmp/$name.pem" -pubout -out "$tmp/$name.pub.pem"
done
chmod 600 "$tmp"/*.pem "$tmp/hs256.secret"

key_output=$("$gateway" key new --id bench --scopes bench:read)
api_key=$(grep -Eo '[A-Za-z0-9]+_[A-Za-z0-9_-]{43}' <<<"$key_output" | head -1)
api_key_hash=$(grep -Eo 'sha256:[0-9a-f]{64}' <<<"$key_output" | head -1)
[ -n "$api_key" ] && [ -n "$api_key_hash" ] || die "could not read the key from 'gateway key new': $key_output"

key_file_of() { case $1 in HS256) echo "$tmp/hs256.secret" ;; ES256) echo "$tmp/es256.pem" ;; RS256) echo "$tmp/rs256.pem" ;; esac; }
kid_of() { echo "bench-$(tr 'A-Z' 'a-z' <<<"$1")"; }
for alg in HS256 ES256 RS256; do
    if needs_credential "warm:$alg"; then
        printf 'Bearer %s\n' "$("$gateway" token mint --key "$(key_file_of $alg)" --alg $alg --kid "$(kid_of $alg)" \
            --sub bench --scope bench:read --ttl 12h --jti)" >"$tmp/warm-$alg.txt"
    fi
    if needs_credential "cold:$alg"; then
        python3 "$bench_dir/lib/mint_tokens.py" $alg "$(key_file_of $alg)" "$(kid_of $alg)" $token_count >"$tmp/cold-$alg.txt"
    fi
done
if needs_credential 'dpop*'; then
    # The proofs come from lib/dpop_proofs.py (no process per proof); its thumbprint must be the
    # gateway's own (`gateway dpop thumbprint`), and the preflight also sends one request with a
    # proof made by `gateway dpop proof`.
    python_jkt=$(python3 "$bench_dir/lib/dpop_proofs.py" thumbprint "$tmp/dpop-client.pem")
    gateway_jkt=$("$gateway" dpop thumbprint --key "$tmp/dpop-client.pem")
    [ "$python_jkt" = "$gateway_jkt" ] \
        || die "lib/dpop_proofs.py's thumbprint $python_jkt is not gateway dpop thumbprint's $gateway_jkt"
    python3 "$bench_dir/lib/dpop_proofs.py" token "$tmp/es256.pem" bench-es256 "$tmp/dpop-client.pem" bound \
        >"$tmp/dpop-token.txt"
    printf 'Bearer %s\n' "$(python3 "$bench_dir/lib/dpop_proofs.py" token "$tmp/es256.pem" bench-es256 \
        "$tmp/dpop-client.pem" unbound)" >"$tmp/dpop-bearer.txt"
fi

# --- configurations: the base, plus each optional feature that this gateway binary supports ------
tpl_TMP=$tmp
tpl_UPSTREAM_PORT=$upstream_port
tpl_API_KEY_HASH=$api_key_hash
tpl_HASH_CHAIN=true
mkdir -p "$tmp/nginx-upstream-body"
: >"$tmp/big.bin"
render "$bench_dir/conf/nginx-upstream.conf" "$tmp/nginx-upstream.conf"

# render_instance NAME PORT STORE FEATURE… : the instance's configuration with those features.
render_instance() {
    local name=$1 port=$2 store=$3 feature
    shift 3
    tpl_GATEWAY_PORT=$port tpl_REPLAY_STORE=$store tpl_AUDIT_SINK=$tmp/audit-$name.jsonl \
        render "$bench_dir/conf/routes/gateway.conf" "$tmp/$name.conf"
    for feature in "$@"; do
        render "$bench_dir/conf/routes/$feature.conf" "$tmp/$name.fragment"
        cat "$tmp/$name.fragment" >>"$tmp/$name.conf"
    done
}
# feature_support FEATURE: empty when `gateway check` accepts the feature's configuration without
# a warning that it is not in force; otherwise the reason, from check's output.
feature_support() {
    local feature=$1 output status=0
    case $feature in
        redis) render_instance probe 1 "redis://127.0.0.1:$redis_port" ;;
        *) render_instance probe 1 memory "$feature" ;;
    esac
    output=$("$gateway" check -c "$tmp/probe.conf" 2>&1) || status=$?
    if [ "$status" != 0 ]; then
        echo "gateway check refuses it: $(grep -Ei 'error' <<<"$output" | head -1 | sed 's|^.*probe.conf:[0-9:]* ||' | cut -c1-140)"
    elif grep -Eqi 'not (enforced|served|available|supported)' <<<"$output"; then
        echo "this gateway binary does not run it: $(grep -Ei 'not (enforced|served|available|supported)' <<<"$output" \
            | head -1 | sed 's|^.*probe.conf:[0-9:]* ||' | cut -c1-140)"
    fi
}
declare -A feature_note
for feature in ratelimit token-es256 token-eddsa dpop redis; do
    needs_feature $feature || continue
    feature_note[$feature]=$(feature_support $feature)
    if [ -n "${feature_note[$feature]}" ]; then
        log "skipping the $feature rows: ${feature_note[$feature]}"
        for id in "${row_ids[@]}"; do
            [ "${row_feature[$id]}" = "$feature" ] && row_status[$id]="skipped: ${feature_note[$feature]}"
        done
    fi
done
supported() { needs_feature "$1" && [ -z "${feature_note[$1]:-}" ]; }
# A reference row that no measured row refers to any more (their features are missing) is not
# measured either, unless --only named it.
for id in "${row_ids[@]}"; do
    grep -Eq -- "${only:-.}" <<<"$id" && [ -n "$only" ] && continue
    [ "${row_reference[$id]}" = - ] || continue
    used=0
    for other in "${row_ids[@]}"; do
        [ "${row_reference[$other]}" = "$id" ] && [ "${row_status[$other]}" = measured ] && used=1
    done
    [ "$used" = 1 ] || [ "$id" = public ] || row_status[$id]="skipped: no row of its process is measured"
done
features_a=()
for feature in ratelimit token-es256 dpop; do supported $feature && features_a+=("$feature"); done
features_b=()
supported token-eddsa && features_b+=(token-eddsa)
store_b=memory
supported redis && store_b="redis://127.0.0.1:$redis_port"
render_instance gateway-a $gateway_a_port memory "${features_a[@]}"
render_instance gateway-b $gateway_b_port "$store_b" "${features_b[@]}"

# --- servers -------------------------------------------------------------------------------------
declare -A pid_of
start_pinned 1 nginx-upstream nginx -e "$tmp/nginx-upstream.error.log" -c "$tmp/nginx-upstream.conf"
wait_for_port $upstream_port "$last_pid" nginx-upstream
if supported redis; then
    start_pinned 1 redis redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$tmp" --protected-mode yes
    pid_of[redis]=$last_pid
    wait_for_port $redis_port "$last_pid" redis
fi
instance_measured() { local id; for id in "${row_ids[@]}"; do [ "${row_instance[$id]}" = "$1" ] && [ "${row_status[$id]}" = measured ] && return 0; done; return 1; }
for instance in a b; do
    instance_measured $instance || continue
    "$gateway" check -c "$tmp/gateway-$instance.conf" >"$tmp/check-$instance.log" 2>&1 \
        || { cat "$tmp/check-$instance.log" >&2; die "gateway check failed for $tmp/gateway-$instance.conf"; }
    port_var=gateway_${instance}_port
    start_pinned 0 gateway-$instance "$gateway" run -c "$tmp/gateway-$instance.conf"
    pid_of[$instance]=$last_pid
    wait_for_port "${!port_var}" "$last_pid" gateway-$instance
done
port_of() { local var=gateway_${row_instance[$1]}_port; echo "${!var}"; }
url_of() { echo "http://127.0.0.1:$(port_of "$1")${row_path[$1]}"; }

# Fresh single-use credentials (signatures, DPoP proofs) for SECONDS of load on row ID.
fresh_for() {
    local id=$1 seconds=$2
    case ${row_credential[$id]} in
        signed)
            python3 "$bench_dir/lib/sign_requests.py" "$tmp/ed25519.pem" bench-ed25519 "127.0.0.1:$(port_of "$id")" \
                "${row_path[$id]}" $((seconds * 30000)) >"$tmp/signed-$id.txt" ;;
        dpop)
            python3 "$bench_dir/lib/dpop_proofs.py" proofs "$tmp/dpop-client.pem" "$(cat "$tmp/dpop-token.txt")" \
                "$(url_of "$id")" $((seconds * 12000)) >"$tmp/dpop-$id.txt" ;;
    esac
}

for id in "${row_ids[@]}"; do
    case ${row_credential[$id]} in
        apikey) row_header[$id]="X-API-Key: $api_key" ;;
        warm:* | cold:*) row_values[$id]="$tmp/${row_credential[$id]%%:*}-${row_credential[$id]#*:}.txt" ;;
        signed) row_values[$id]="$tmp/signed-$id.txt" ;;
        dpop) row_values[$id]="$tmp/dpop-$id.txt" ;;
        dpop-bearer) row_values[$id]="$tmp/dpop-bearer.txt" ;;
        token) row_header[$id]="Authorization: Basic $(printf 'bench:%s' "$api_key" | base64 -w0)" ;;
    esac
done

# --- preflight -----------------------------------------------------------------------------------
if supported ratelimit && [ "${row_status[ratelimit]:-}" = measured ]; then
    first=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gateway_a_port/limit-probe/x" || true)
    second=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gateway_a_port/limit-probe/x" || true)
    if [ "$first" != 200 ] || [ "$second" != 429 ]; then
        row_status[ratelimit]="skipped: rate_limit = \"1/h\" was not enforced (answers $first then $second, expected 200 then 429)"
        log "ratelimit: ${row_status[ratelimit]}"
    fi
fi
for id in "${row_ids[@]}"; do
    [ "${row_status[$id]}" = measured ] || continue
    args=()
    [ -n "${row_header[$id]:-}" ] && args+=(-H "${row_header[$id]}")
    case ${row_credential[$id]} in
        signed | dpop)
            fresh_for "$id" 1
            IFS=$'\t' read -r first_value second_value < <(head -1 "${row_values[$id]}")
            if [ "${row_credential[$id]}" = signed ]; then
                args+=(-H "Signature-Input: $first_value" -H "Signature: $second_value")
            else
                args+=(-H "Authorization: $first_value" -H "DPoP: $second_value")
            fi ;;
        warm:* | cold:* | dpop-bearer) args+=(-H "Authorization: $(head -1 "${row_values[$id]}")") ;;
        token) args+=(-X POST --data 'grant_type=client_credentials') ;;
    esac
    if [ "${row_credential[$id]}" = dpop ]; then
        # A proof made by the gateway's own command must be accepted too.
        gateway_proof=$("$gateway" dpop proof --key "$tmp/dpop-client.pem" --method GET --url "$(url_of "$id")" \
            --token "$(cat "$tmp/dpop-token.txt")")
        status=$(curl -s -o "$tmp/preflight.body" -w '%{http_code}' -H "Authorization: DPoP $(cat "$tmp/dpop-token.txt")" \
            -H "$gateway_proof" "$(url_of "$id")" || true)
        if [ "$status" != 200 ]; then
            row_status[$id]="failed preflight: a proof from 'gateway dpop proof' got HTTP $status ($(head -c 200 "$tmp/preflight.body" | tr '\n' ' '))"
            log "$id: ${row_status[$id]}"
            continue
        fi
    fi
    status=$(curl -s -o "$tmp/preflight.body" -w '%{http_code}' "${args[@]}" "$(url_of "$id")" || true)
    if [ "$status" != 200 ] || { [ "${row_credential[$id]}" = token ] && ! grep -q access_token "$tmp/preflight.body"; }; then
        row_status[$id]="failed preflight: HTTP $status ($(head -c 200 "$tmp/preflight.body" | tr '\n' ' '))"
        log "$id: ${row_status[$id]}"
    fi
done

# --- measuring -----------------------------------------------------------------------------------
measurements=$tmp/measurements.tsv
: >"$measurements"
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.4f", n }'
}
run_wrk() { # ID SECONDS OUTPUT
    local id=$1 seconds=$2 output=$3
    local args=(-t1 -c"$connections" -d"${seconds}s" --latency)
    [ -n "${row_header[$id]:-}" ] && args+=(-H "${row_header[$id]}")
    case ${row_credential[$id]} in
        token)
            BENCH_BODY='grant_type=client_credentials' taskset -c 1 wrk "${args[@]}" -s "$bench_dir/lib/post-form.lua" \
                "$(url_of "$id")" >"$output" 2>&1 ;;
        signed | dpop | warm:* | cold:* | dpop-bearer)
            local headers=Authorization
            [ "${row_credential[$id]}" = signed ] && headers=Signature-Input,Signature
            [ "${row_credential[$id]}" = dpop ] && headers=Authorization,DPoP
            BENCH_VALUES=${row_values[$id]} BENCH_HEADERS=$headers taskset -c 1 wrk "${args[@]}" \
                -s "$bench_dir/lib/rotate-header.lua" "$(url_of "$id")" >"$output" 2>&1 ;;
        *) taskset -c 1 wrk "${args[@]}" "$(url_of "$id")" >"$output" 2>&1 ;;
    esac
}
redis_calls() { # total calls of every command but INFO itself
    redis-cli -p $redis_port INFO commandstats 2>/dev/null \
        | awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" {n += $3} END {print n + 0}'
}

measure() { # ID ROUND
    local id=$1 round=$2 pid=${pid_of[${row_instance[$1]}]} out=$tmp/wrk.out calls0=0 calls1=0
    # The audit files restart empty (O_APPEND: the writers follow the truncation).
    for audit in "$tmp"/audit-gateway-*.jsonl; do [ -e "$audit" ] && : >"$audit"; done
    fresh_for "$id" "$duration"
    sleep 0.3
    [ -n "${pid_of[redis]:-}" ] && calls0=$(redis_calls)
    read -r user0 system0 < <(cpu_ticks "$pid")
    read -r busy0 steal0 total0 < <(cpu_core_ticks 0)
    run_wrk "$id" "$duration" "$out" || { cat "$out" >&2; die "wrk failed on $id"; }
    sleep 0.3
    read -r user1 system1 < <(cpu_ticks "$pid")
    read -r busy1 steal1 total1 < <(cpu_core_ticks 0)
    [ -n "${pid_of[redis]:-}" ] && calls1=$(redis_calls)
    kill -0 "$pid" 2>/dev/null || die "the gateway behind $id exited (log in $tmp)"
    local requests rps p50 p99 non2xx socket_errors
    requests=$(awk '/requests in/ {print $1}' "$out")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$out")
    socket_errors=$(awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
    [ -n "$requests" ] && [ -n "$rps" ] || { cat "$out" >&2; die "could not read wrk's output for $id"; }
    local others=$((busy1 - busy0 - (user1 - user0) - (system1 - system0)))
    [ "$others" -ge 0 ] || others=0
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$round" "$requests" "$rps" "$p50" "$p99" \
        $((user1 - user0)) $((system1 - system0)) "${non2xx:-0}" "${socket_errors:-0}" "$others" $((steal1 - steal0)) \
        $((total1 - total0)) $((calls1 - calls0)) >>"$measurements"
    log "round $round/$rounds $(printf '%-14s %8.0f req/s' "$id" "$rps")  CPU $(awk -v u=$((user1 - user0 + system1 - system0)) \
        -v t="$clock_ticks" -v r="$requests" 'BEGIN {printf "%.1f", u * 1e6 / t / r}') us/req$(
        [ "${non2xx:-0}" != 0 ] && echo "  !! ${non2xx} non-2xx")"
}

measured_ids=()
for id in "${row_ids[@]}"; do [ "${row_status[$id]}" = measured ] && measured_ids+=("$id"); done
[ ${#measured_ids[@]} -gt 0 ] || die "no row can be measured"
log "measuring ${#measured_ids[@]} rows x $rounds rounds x ${duration} s: ~$(( (${#measured_ids[@]} * (rounds * (duration + 2) + warmup)) / 60 + 1 )) min"
if [ "$warmup" -gt 0 ]; then
    for id in "${measured_ids[@]}"; do fresh_for "$id" "$warmup"; run_wrk "$id" "$warmup" "$tmp/warmup.out" || true; done
fi
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
count=${#measured_ids[@]}
for round in $(seq "$rounds"); do
    # The order rotates by one row each round, so no row always follows the same one.
    for index in $(seq 0 $((count - 1))); do
        measure "${measured_ids[$(( (index + round - 1) % count ))]}" "$round"
    done
done
load_at_end=$(load_average)

# --- report --------------------------------------------------------------------------------------
mkdir -p "$bench_dir/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
rows_tsv=$tmp/rows.tsv
: >"$rows_tsv"
for id in "${row_ids[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "${row_instance[$id]}" "${row_reference[$id]}" "${row_label[$id]}" \
        "$(url_of "$id")" "${row_status[$id]}" >>"$rows_tsv"
done
gateway_commit=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_root" diff --quiet HEAD -- Sources Package.swift 2>/dev/null || gateway_commit+="+dirty"
BENCH_COMMAND="bench/routes.sh --rounds $rounds --duration $duration${only:+ --only '$only'} --warmup $warmup" \
BENCH_STARTED=$started_at BENCH_LOAD_START=$load_at_start BENCH_LOAD_END=$load_at_end BENCH_CPU_MODEL=$(cpu_model) \
BENCH_NPROC=$(nproc) BENCH_CLOCK_TICKS=$clock_ticks BENCH_ROUNDS=$rounds BENCH_DURATION=$duration \
BENCH_CONNECTIONS=$connections BENCH_GATEWAY_COMMIT=$gateway_commit BENCH_STORE_B=$store_b \
python3 "$bench_dir/lib/routes_report.py" "$rows_tsv" "$measurements" "$bench_dir/results/routes-$stamp.json" \
    | tee "$bench_dir/results/routes-$stamp.txt"
cp "$bench_dir/results/routes-$stamp.json" "$bench_dir/results/routes-latest.json"
cp "$bench_dir/results/routes-$stamp.txt" "$bench_dir/results/routes-latest.txt"
