#!/usr/bin/env python3
"""Turns bench/routes.sh's measurements into its table, its target checks and its JSON.

    routes_report.py ROWS_TSV MEASUREMENTS_TSV JSON_OUT   (metadata in BENCH_* variables)

Every figure is the median over rounds; the ratio of a row is the median over rounds of
(row CPU per request / its reference row's CPU per request), both measured in the same round of
the same gateway process.
"""
import json
import os
import statistics
import sys

rows_path, measurements_path, json_path = sys.argv[1:4]
env = os.environ
ticks_to_us = 1e6 / int(env["BENCH_CLOCK_TICKS"])

rows = []
for line in open(rows_path):
    id, instance, reference, label, url, status = line.rstrip("\n").split("\t")
    rows.append({"id": id, "instance": instance, "reference": None if reference == "-" else reference,
                 "label": label, "url": url, "status": status})

COLUMNS = ["row", "round", "requests", "rps", "p50_ms", "p99_ms", "user_ticks", "sys_ticks", "non2xx",
           "socket_errors", "cpu0_other_ticks", "cpu0_steal_ticks", "cpu0_ticks", "redis_calls"]
data = {}
for line in open(measurements_path):
    if not line.strip():
        continue
    values = dict(zip(COLUMNS, line.rstrip("\n").split("\t")))
    row = values.pop("row")
    m = {k: float(v) for k, v in values.items()}
    requests = max(m["requests"], 1)
    m["cpu_us"] = (m["user_ticks"] + m["sys_ticks"]) * ticks_to_us / requests
    m["redis_per_request"] = m["redis_calls"] / requests
    m["cpu0_other_pct"] = 100 * (m["cpu0_other_ticks"] + m["cpu0_steal_ticks"]) / max(m["cpu0_ticks"], 1)
    data.setdefault(row, {})[int(m["round"])] = m


def median(values):
    return statistics.median(values) if values else None


def ratios(row, other, metric="cpu_us"):
    a, b = data.get(row, {}), data.get(other, {})
    return [a[r][metric] / b[r][metric] for r in sorted(a) if r in b and b[r][metric] > 0]


def differences(row, other, metric="cpu_us"):
    a, b = data.get(row, {}), data.get(other, {})
    return [a[r][metric] - b[r][metric] for r in sorted(a) if r in b]


for row in rows:
    rounds = data.get(row["id"], {})
    if not rounds or row["status"] != "measured":
        continue
    for metric in ["rps", "p50_ms", "p99_ms", "cpu_us", "cpu0_other_pct", "redis_per_request"]:
        row[metric] = median([m[metric] for m in rounds.values()])
    row["non2xx"] = int(sum(m["non2xx"] for m in rounds.values()))
    row["socket_errors"] = int(sum(m["socket_errors"] for m in rounds.values()))
    row["rounds"] = [{k: m[k] for k in ["requests", "rps", "cpu_us", "p99_ms", "cpu0_other_pct", "redis_calls"]}
                     for _, m in sorted(rounds.items())]
    if row["reference"]:
        r = ratios(row["id"], row["reference"])
        row["cpu_x_reference"] = median(r)
        row["cpu_x_reference_min"] = min(r) if r else None
        row["cpu_x_reference_max"] = max(r) if r else None
        row["cpu_us_over_reference"] = median(differences(row["id"], row["reference"]))
        row["rps_x_reference"] = median(ratios(row["id"], row["reference"], "rps"))

by_id = {row["id"]: row for row in rows}
print(f"{'row':<14} {'inst':>4} {'req/s':>7} {'p99 ms':>7} {'CPU us/req':>10} {'+us':>7}"
      f" {'x ref':>6} {'(min-max)':>12}  {'cpu0 other':>10}  reference")
for row in rows:
    if "cpu_us" not in row:
        print(f"{row['id']:<14} {row['instance']:>4}  {row['status']}")
        continue
    flag = " !!" if row["non2xx"] or row["socket_errors"] else ""
    if row["reference"] and row.get("cpu_x_reference") is not None:
        ratio = f"{row['cpu_x_reference']:5.2f}x"
        spread = f"({row['cpu_x_reference_min']:.2f}-{row['cpu_x_reference_max']:.2f})"
        plus = f"{row['cpu_us_over_reference']:+7.1f}"
    else:
        ratio, spread, plus = "", "", ""
    print(f"{row['id']:<14} {row['instance']:>4} {row['rps'] / 1000:6.1f}k {row['p99_ms']:7.2f} {row['cpu_us']:10.1f}"
          f" {plus:>7} {ratio:>6} {spread:>12}  {row['cpu0_other_pct']:9.0f}%  {row['reference'] or '-'}{flag}")
    if row["id"] in ("signed-redis", "public-b", "token-eddsa") and env.get("BENCH_STORE_B", "memory") != "memory":
        print(f"{'':<14}      Redis commands per request: {row['redis_per_request']:.3f}")

# --- targets -----------------------------------------------------------------------------------
targets = []


def target(name, value, limit, op="<="):
    if value is None:
        return
    met = value <= limit if op == "<=" else (value >= limit if op == ">=" else abs(value - limit) < 0.005)
    targets.append({"target": name, "value": round(value, 3), "limit": limit, "op": op, "met": met})


for id in ["apikey", "hs256-warm", "es256-warm", "rs256-warm"]:
    if id in by_id:
        target(f"{id} CPU/req <= 1.1x public, same process (issue 11)", by_id[id].get("cpu_x_reference"), 1.1)
if "ratelimit" in by_id:
    target("rate-limited route CPU/req <= 1.05x the same route unlimited (issue 12)",
           by_id["ratelimit"].get("cpu_x_reference"), 1.05)
if "signed-redis" in by_id and "redis_per_request" in by_id["signed-redis"]:
    target("Redis round trips per signed request == 1 (issue 12)", by_id["signed-redis"]["redis_per_request"], 1.0, "==")
if "dpop-es256" in by_id and "es256-cold" in by_id and "es256-warm" in by_id:
    added = by_id["dpop-es256"].get("cpu_us_over_reference")
    verify = median(differences("es256-cold", "es256-warm"))
    if added is not None and verify:
        target("DPoP proof adds <= 1.1x one ES256 verification (cold - warm), as a ratio (issue 14)",
               added / verify, 1.1)
derived = {}
if all(k in by_id and by_id[k].get("cpu_x_reference") for k in ["signed-redis", "signed-memory"]):
    derived["signed_redis_vs_memory"] = by_id["signed-redis"]["cpu_x_reference"] / by_id["signed-memory"]["cpu_x_reference"]
for id in ["token-es256", "token-eddsa"]:
    if id in by_id and "rps" in by_id[id]:
        derived[f"{id}_tokens_per_s"] = by_id[id]["rps"]

print()
for t in targets:
    print(f"{'met   ' if t['met'] else 'MISSED'} {t['target']}: {t['value']} (target {t['op']} {t['limit']})")
if "signed_redis_vs_memory" in derived:
    print(f"       signed request, Redis store vs memory store (each / its own process's public route): "
          f"{derived['signed_redis_vs_memory']:.2f}x")
for id in ["token-es256", "token-eddsa"]:
    if f"{id}_tokens_per_s" in derived:
        print(f"       {id}: {derived[id + '_tokens_per_s']:.0f} tokens issued per second on one core")
print()
print(f"load average at start {env['BENCH_LOAD_START']}, at end {env['BENCH_LOAD_END']}; gateway {env['BENCH_GATEWAY_COMMIT']}")
print("(one gateway process per instance, pinned to CPU 0; wrk -t1 -c%s and the nginx upstream on CPU 1)"
      % env["BENCH_CONNECTIONS"])

result = {
    "date": env["BENCH_STARTED"], "command": env["BENCH_COMMAND"],
    "machine": {"nproc": int(env["BENCH_NPROC"]), "cpu_model": env["BENCH_CPU_MODEL"],
                "load_average_start": env["BENCH_LOAD_START"], "load_average_end": env["BENCH_LOAD_END"]},
    "gateway_commit": env["BENCH_GATEWAY_COMMIT"], "instance_b_store": env.get("BENCH_STORE_B"),
    "rounds": int(env["BENCH_ROUNDS"]), "duration_s": int(env["BENCH_DURATION"]),
    "rows": rows, "targets": targets, "derived": derived,
}
json.dump(result, open(json_path, "w"), indent=2)
