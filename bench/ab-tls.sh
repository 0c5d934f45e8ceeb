#!/usr/bin/env bash
# Before and after over TLS: several gateway binaries against nginx `ssl http2` (the same
# P-256 certificate), HTTP/1.1 over TLS (wrk -t1 -c32) and HTTP/2 (h2load -c32 -m10), in one
# interleaved run (nginx A B … for each protocol, each round), every server alone on CPU 0,
# the load and the nginx origin on CPU 1. Public route, audit to /dev/null without a chain.
#
#   bench/ab-tls.sh [--rounds N] [--duration S] NAME=BINARY [NAME=BINARY…]
#
# Prints each measurement, then per protocol the median CPU µs per request (the server's
# utime+stime over the requests it answered), req/s, and the median of the per-round ratios
# to nginx. The cost of a change to the TLS or HTTP/2 path is read from these ratios.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rounds=3
seconds=8
specs=()
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --duration) seconds=$2; shift 2 ;;
        -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) specs+=("$1"); shift ;;
    esac
done
[ ${#specs[@]} -ge 1 ] || { echo "give at least one NAME=BINARY" >&2; exit 2; }
for tool in nginx wrk h2load openssl taskset curl python3; do
    command -v $tool >/dev/null || { echo "missing: $tool (apt-get install nginx-light wrk nghttp2-client openssl util-linux curl python3)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/gateway-ab-tls.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/tls.key" -out "$tmp/tls.crt" \
    -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
upstream_port=28080
nginx_port=28443
sed -e "s|@TMP@|$tmp|g" -e "s|@UPSTREAM_PORT@|$upstream_port|g" "$here/conf/nginx-upstream.conf" >"$tmp/upstream.conf"
sed -e "s|@TMP@|$tmp|g" -e "s|@UPSTREAM_PORT@|$upstream_port|g" -e "s|@NGINX_TLS_PORT@|$nginx_port|g" \
    "$here/conf/nginx-tls.conf" >"$tmp/nginx-tls.conf"
taskset -c 1 nginx -c "$tmp/upstream.conf" & pids+=($!)
taskset -c 0 nginx -c "$tmp/nginx-tls.conf" & pids+=($!)
names=(nginx)
ports=($nginx_port)
servers=($!)
port=28500
for spec in "${specs[@]}"; do
    name=${spec%%=*}
    binary=${spec#*=}
    port=$((port + 1))
    cat >"$tmp/$name.conf" <<CONF
[server]
listen = "127.0.0.1:$port"
threads = 1
tls = { cert_file = "$tmp/tls.crt", key_file = "$tmp/tls.key" }

[audit]
sink = "/dev/null"
hash_chain = false

[[upstreams]]
name = "up"
targets = ["127.0.0.1:$upstream_port"]

[[routes]]
name = "public"
path_prefix = "/"
upstream = "up"
public = true
CONF
    taskset -c 0 "$binary" run -c "$tmp/$name.conf" >"$tmp/$name.log" 2>&1 & pids+=($!)
    names+=("$name")
    ports+=($port)
    servers+=($!)
done
for i in "${!names[@]}"; do
    for _ in $(seq 1 100); do
        code=$(curl -sk --http2 "https://127.0.0.1:${ports[$i]}/x" -o /dev/null -w "%{http_code}" || true)
        [ "$code" = 200 ] && break
        sleep 0.1
    done
    [ "$code" = 200 ] || { echo "${names[$i]} does not answer 200 (see $tmp)" >&2; exit 1; }
done
# nginx's master forks the worker that does the work: measure the worker.
servers[0]=$(pgrep -P "${servers[0]}" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
echo "round row protocol req_s cpu_us_per_req" >"$tmp/out.tsv"
for round in $(seq 1 "$rounds"); do
    for protocol in http1-tls h2; do
        for i in "${!names[@]}"; do
            before=$(ticks "${servers[$i]}")
            if [ $protocol = http1-tls ]; then
                requests=$(taskset -c 1 wrk -t1 -c32 -d"${seconds}s" "https://127.0.0.1:${ports[$i]}/x" | awk '/requests in/ {print $1}')
            else
                requests=$(taskset -c 1 h2load -t1 -c32 -m10 -D "$seconds" "https://127.0.0.1:${ports[$i]}/x" 2>/dev/null | awk '/^requests:/ {print $8}')
            fi
            after=$(ticks "${servers[$i]}")
            awk -v r="$round" -v row="${names[$i]}" -v p=$protocol -v n="$requests" -v t=$((after - before)) -v s="$seconds" -v hz="$hz" \
                'BEGIN { printf "%s %s %s %.0f %.1f\n", r, row, p, n / s, t * 1e6 / hz / n }' | tee -a "$tmp/out.tsv"
        done
    done
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/out.tsv" <<'PY'
import collections, statistics, sys
rows = [line.split() for line in open(sys.argv[1]).read().splitlines()[1:] if line.strip()]
by = {(r, row, p): (float(cpu), float(rps)) for r, row, p, rps, cpu in rows}
figures, ratios = collections.defaultdict(list), collections.defaultdict(list)
for (r, row, p), (cpu, rps) in by.items():
    reference = by[(r, "nginx", p)]
    figures[(row, p)].append((cpu, rps))
    ratios[(row, p)].append((cpu / reference[0], rps / reference[1]))
print(f"{'protocol':10} {'row':10} {'CPU µs/req':>11} {'req/s':>8} {'CPU × nginx':>12} {'req/s × nginx':>14}")
for (row, p) in sorted(figures, key=lambda key: (key[1], key[0] != "nginx", key[0])):
    f, q = figures[(row, p)], ratios[(row, p)]
    print(f"{p:10} {row:10} {statistics.median(a for a, _ in f):11.1f} {statistics.median(b for _, b in f):8.0f}"
          f" {statistics.median(a for a, _ in q):12.2f} {statistics.median(b for _, b in q):14.2f}")
PY
